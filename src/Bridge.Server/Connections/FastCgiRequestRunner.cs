using Bridge.Protocol.Http;
using Bridge.Server.Logging;

namespace Bridge.Server.Connections;

/// <summary>
/// The life of each FastCGI request of a connection once it starts: its app runs on a task of its own, then
/// END_REQUEST goes out when it is due and the request object goes back once it is over; a refusal (413, 431)
/// ends a request without its app. It counts what still runs, so the connection can wait for every response
/// before it closes, and knows when an app abandoned at its deadline still runs (then nothing is reused).
/// </summary>
internal sealed class FastCgiRequestRunner(ServerContext server, FastCgiConnectionProcessor connection, FastCgiRequestTable requests)
{
    private static readonly ResponseHeader[] EmptyBody = [new("Content-Length", "0")];

    // Request tasks whose response is not over yet, plus one held by the read loop until it waits for them: the
    // count reaches 0 once, on whichever side is last, so the wait cannot miss the end of the last request.
    private int _running = 1;
    private int _abandoned;    // apps abandoned at their deadline and still running
    private TaskCompletionSource? _drained;

    /// <summary>False while an app abandoned at its deadline still runs: it may still reach the connection's objects.</summary>
    public bool IsReusable => Volatile.Read(ref _abandoned) == 0;

    /// <summary>Before the processor serves another connection (every request task of the last one has ended).</summary>
    public void Reset()
    {
        _drained = null;
        _running = 1;
    }

    /// <summary>Read loop: the request has started (its state set); its app runs on its own task from here.</summary>
    public void Start(FastCgiRequest request)
    {
        Interlocked.Increment(ref _running);
        _ = RunAsync(request);
    }

    // One request, from its start to the end of its response (and, if abandoned, on until its app ends).
    private async Task RunAsync(FastCgiRequest request)
    {
        try
        {
            var context = request.Context;
            await context.ExecuteAsync(server.Application).ConfigureAwait(false);
            AccessLog.Write(server, context);
            if (context.Abandoned)
            {
                request.DropBody();
                Interlocked.Increment(ref _abandoned);
                _ = FinishAbandonedAsync(request);
            }
            else
            {
                await FinishAsync(request).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (BridgeConnection.IsTransportError(ex))
        {
            server.ConnectionLogger.ResponseWriteFailed(connection.ConnectionId, ex.Message);
        }
        finally
        {
            if (Interlocked.Decrement(ref _running) == 0)
            {
                Volatile.Read(ref _drained)?.TrySetResult();
            }
        }
    }

    public async ValueTask RefuseAsync(FastCgiRequest request, int statusCode)
    {
        request.Skip();
        await connection.AcquireOutputAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            request.WriteHead(statusCode, null, EmptyBody);
            request.WriteEnd();
            await request.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            connection.ReleaseOutput();
        }
    }

    // The app has finished: END_REQUEST if it is due now, and the object back once it is over.
    private async Task FinishAsync(FastCgiRequest request)
    {
        if (request.FinishApplication())
        {
            await EndRequestAsync(request).ConfigureAwait(false);
        }
        else
        {
            Release(request);
        }
    }

    private async Task FinishAbandonedAsync(FastCgiRequest request)
    {
        try
        {
            await request.Context.AbandonedCompletion.ConfigureAwait(false);
            await FinishAsync(request).ConfigureAwait(false);
        }
        catch (Exception ex) when (BridgeConnection.IsTransportError(ex))
        {
            server.ConnectionLogger.ResponseWriteFailed(request.Context.ConnectionId, ex.Message);
        }
        finally
        {
            Interlocked.Decrement(ref _abandoned); // last: after this nothing of the request touches the processor
        }
    }

    public async ValueTask EndRequestAsync(FastCgiRequest request)
    {
        await connection.AcquireOutputAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            connection.WriteEndRequest(request);
            await connection.Output.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            connection.ReleaseOutput();
        }

        connection.AfterEndRequest(request);
    }

    public void Release(FastCgiRequest request)
    {
        if (request.TryRelease())
        {
            requests.Returned(request);
        }
    }

    // As the read loop ends (once per connection): each request still running finishes its response (they were
    // just aborted) before the connection closes; an abandoned app is not waited for. The loop gives up its own
    // count last: a request that ends after that finds _drained set (Interlocked operations are full fences). A
    // check of the count after publishing _drained, with no count of its own, could miss that request's end (seen:
    // a connection that never closed, found by a stop that timed out).
    public Task WaitForRunningAsync()
    {
        if (Interlocked.CompareExchange(ref _running, 0, 1) == 1)
        {
            return Task.CompletedTask; // nothing running: no allocation
        }

        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _drained, drained);
        if (Interlocked.Decrement(ref _running) == 0)
        {
            drained.TrySetResult();
        }

        return drained.Task;
    }
}
