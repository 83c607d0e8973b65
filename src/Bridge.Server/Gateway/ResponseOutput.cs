using System.IO.Pipelines;
using Bridge.Protocol.Http;
using Bridge.Server.Logging;

namespace Bridge.Server.Gateway;

/// <summary>
/// How a response's bytes reach its channel: the head is written once (after OnStarting), what the app wrote
/// goes out at each flush, and the response ends once, in the protocol's way. Every step holds the channel's lock,
/// so a multiplexed FastCGI connection or a deadline's 504 never interleaves with the app's own writes.
/// </summary>
internal sealed class ResponseOutput(GatewayContext context)
{
    private static readonly ResponseHeader[] EmptyLengthHeader = [new("Content-Length", "0")];

    private bool _closed;
    private bool _frontEndGone; // a flush found the connection closed
    private bool _completedAtLength;
    private bool _suppressBody;
    private bool _isHead;

    /// <summary>True once the response has ended (or was cut): nothing more may be written.</summary>
    public bool IsClosed => _closed;

    /// <summary>A flush found the front end gone.</summary>
    public bool FrontEndGone => _frontEndGone;

    /// <summary>A status the server answered with in the app's place (504 at the deadline), or null.</summary>
    public int? AnsweredStatus { get; private set; }

    public void Reset(bool isHead)
    {
        AnsweredStatus = null;
        _closed = false;
        _frontEndGone = false;
        _completedAtLength = false;
        _suppressBody = false;
        _isHead = isHead;
    }

    public void ThrowIfClosed()
    {
        if (_closed)
        {
            throw new InvalidOperationException("The response has already completed.");
        }
    }

    public async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken)
    {
        if (_completedAtLength)
        {
            return default; // nothing can follow a body that reached its Content-Length
        }

        await AcquireStartedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            SendBuffered();
            var response = context.Response;
            if (response.ContentLength is { } declared && !_suppressBody && context.Writer.BytesWritten == declared)
            {
                // The whole declared body is written: end the response in this same send (FastCGI: with
                // END_REQUEST). nginx takes the response as complete at Content-Length, and a kept-alive
                // connection whose END_REQUEST came later would be closed by it.
                context.Channel.WriteEnd();
                _closed = true;
                _completedAtLength = true;
            }

            var result = await context.Channel.FlushAsync(cancellationToken).ConfigureAwait(false);
            _frontEndGone |= result.IsCompleted;
            return result;
        }
        finally
        {
            context.Channel.Release();
        }
    }

    /// <summary>
    /// Starts the response without sending it: OnStarting runs and the head is written for the next flush (what
    /// Kestrel's StartAsync does; ASP.NET Core's WriteAsync starts the response, then writes and flushes).
    /// </summary>
    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        if (context.Response.HasStarted)
        {
            ThrowIfClosed();
            return;
        }

        await AcquireStartedAsync(cancellationToken).ConfigureAwait(false);
        context.Channel.Release();
    }

    public async ValueTask CompleteAsync()
    {
        if (_closed)
        {
            return;
        }

        var response = context.Response;
        if (!response.HasStarted)
        {
            await response.RunOnStartingAsync().ConfigureAwait(false);
        }

        var channel = context.Channel;
        await channel.AcquireAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_closed)
            {
                return;
            }

            var writer = context.Writer;
            if (!response.HasStarted)
            {
                if (response.ContentLength is { } declared && !_isHead && declared != writer.BytesWritten && ResponseHead.AllowsBody(response.StatusCode))
                {
                    throw new InvalidOperationException($"Response Content-Length mismatch: too few bytes written ({writer.BytesWritten} of {declared}).");
                }

                _suppressBody = ResponseHead.Write(context, final: true, _isHead);
            }
            else if (response.ContentLength is { } declared && !_suppressBody && writer.BytesWritten < declared)
            {
                if (context.FrontEndLeft)
                {
                    context.Server.ApplicationLogger.ResponseCutByFrontEnd(context.TraceIdentifier, writer.BytesWritten, declared);
                }
                else
                {
                    context.Server.ApplicationLogger.ContentLengthMismatch(context.TraceIdentifier, writer.BytesWritten, declared);
                }

                _closed = true;
                channel.Abort("The response ended before its Content-Length.");
                return;
            }

            SendBuffered();
            channel.WriteEnd();
            _closed = true;
            await channel.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            channel.Release();
        }
    }

    /// <summary>
    /// Writes and sends the 101 head of an upgrade (after OnStarting, under the channel's lock), and closes the
    /// HTTP response: nothing more goes through it. The request's deadline stops here, or the upgrade is refused if
    /// it already passed. Returns false when the flush found the front end gone.
    /// </summary>
    public async ValueTask<bool> UpgradeAsync()
    {
        ThrowIfClosed();
        var response = context.Response;
        await response.RunOnStartingAsync().ConfigureAwait(false);
        var channel = context.Channel;
        await channel.AcquireAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            response.ThrowIfStarted();
            if (!context.Deadline.Stop())
            {
                throw new InvalidOperationException("The request ran past Bridge:Limits:RequestTimeout: too late to upgrade it.");
            }

            ResponseHead.WriteUpgrade(context);
            _closed = true;
            _suppressBody = true;
            var result = await channel.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            _frontEndGone |= result.IsCompleted;
            return !result.IsCompleted;
        }
        finally
        {
            channel.Release();
        }
    }

    /// <summary>After a failure: closes the response, cutting the connection if the head had gone out. True if cut.</summary>
    public bool CloseOnFailure(string reason)
    {
        if (_closed)
        {
            return false;
        }

        _closed = true;
        if (!context.Response.HasStarted)
        {
            return false;
        }

        context.Channel.Abort(reason);
        return true;
    }

    /// <summary>The deadline passed: 504 if nothing was sent yet, else the connection is cut.</summary>
    public async Task AnswerTimeoutAsync()
    {
        var channel = context.Channel;
        await channel.AcquireAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            if (context.Response.HasStarted)
            {
                channel.Abort("The request ran past its deadline.");
                return;
            }

            AnsweredStatus = 504; // the app may still run and touch its response object: it is left alone
            channel.WriteHead(504, null, EmptyLengthHeader);
            channel.WriteEnd();
            await channel.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            channel.Release();
        }
    }

    // Runs OnStarting (once), takes the channel and writes the head if it is not yet written; returns holding it.
    private async ValueTask AcquireStartedAsync(CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        var response = context.Response;
        if (!response.HasStarted)
        {
            await response.RunOnStartingAsync().ConfigureAwait(false);
        }

        await context.Channel.AcquireAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            if (!response.HasStarted)
            {
                _suppressBody = ResponseHead.Write(context, final: false, _isHead);
            }
        }
        catch
        {
            context.Channel.Release();
            throw;
        }
    }

    private void SendBuffered()
    {
        var writer = context.Writer;
        var buffered = writer.Buffered;
        if (!buffered.IsEmpty && !_suppressBody)
        {
            context.Channel.WriteBody(buffered.Span);
        }

        writer.MarkSent();
    }
}
