using System.Collections.Concurrent;
using System.IO.Pipelines;
using Bridge.Protocol;
using Bridge.Protocol.FastCgi;
using Bridge.Protocol.Gateway;
using Bridge.Protocol.Http;
using Bridge.Server.Logging;

namespace Bridge.Server.Connections;

/// <summary>
/// Serves a FastCGI connection: reads records, runs each request while its STDIN streams in, answers
/// management records, and honours FCGI_KEEP_CONN (close after END_REQUEST when clear; otherwise wait for the
/// next BEGIN_REQUEST, idle up to the keep-alive timeout). Requests on one connection may be interleaved by a
/// multiplexing client; their records are written under one lock so they never interleave mid-record.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Pooled for the life of the server; the semaphore has no wait handle and the buffers go back to the GC with it.")]
internal sealed class FastCgiConnectionProcessor : IRequestDeadlines
{
    private static readonly ResponseHeader[] EmptyBody = [new("Content-Length", "0")];

    private readonly ServerContext _server;
    private readonly FastCgiRequestDecoder _decoder;
    private readonly SemaphoreSlim _outputLock = new(1, 1);
    private readonly List<FastCgiRequest> _active = [];
    private readonly Stack<FastCgiRequest> _free = new();
    private readonly ConcurrentQueue<ushort> _endedIds = new();
    private readonly ConcurrentQueue<FastCgiRequest> _returned = new();
    private BridgeConnection _connection = null!;
    private PipeReader _input = null!;
    private int _activeCount;
    private int _running;
    private volatile bool _closeRequested;

    public FastCgiConnectionProcessor(ServerContext server)
    {
        _server = server;
        _decoder = new FastCgiRequestDecoder(server.ProtocolLimits);
    }

    private FastCgiRequest? _deferred;
    private GatewayVariables? _deferredVariables;

    public PipeWriter Output { get; private set; } = null!;

    /// <summary>False while an app of this connection still runs (it was cut off): not reusable.</summary>
    public bool Reusable => Volatile.Read(ref _running) == 0;

    public async Task ProcessAsync(BridgeConnection connection)
    {
        _connection = connection;
        _input = connection.Transport.Transport.Input;
        Output = connection.Transport.Transport.Output;
        _closeRequested = false;
        connection.Requests = this;
        try
        {
            await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (GatewayProtocolException ex)
        {
            _server.ProtocolLogger.Rejected(connection.Id, "FastCGI", ex.Reason, ex.Message);
        }
        finally
        {
            connection.Requests = null;
            foreach (var request in _active)
            {
                request.AbortFromConnection();
            }
        }
    }

    public void Recycle()
    {
        lock (_active)
        {
            _active.Clear();
        }

        while (_endedIds.TryDequeue(out _))
        {
        }

        while (_returned.TryDequeue(out var request))
        {
            _free.Push(request);
        }

        _decoder.Reset();
        _deferred = null;
        _deferredVariables = null;
        _activeCount = 0;
        _connection = null!;
        _input = null!;
        Output = null!;
    }

    public void CheckDeadlines(long now)
    {
        lock (_active)
        {
            foreach (var request in _active)
            {
                if (request.Started && now >= request.Context.Deadline)
                {
                    request.Context.OnDeadline();
                }
            }
        }
    }

    public ValueTask AcquireOutputAsync(CancellationToken cancellationToken) => new(_outputLock.WaitAsync(cancellationToken));

    public void ReleaseOutput() => _outputLock.Release();

    public void Abort(string reason) => _connection.Abort(reason);

    private async Task ReadLoopAsync()
    {
        _connection.StartIdleTimer();
        while (true)
        {
            // A running request waiting for STDIN is a body read: the stall timeout applies, as for uwsgi.
            var awaitingBody = AwaitsStdin();
            if (awaitingBody)
            {
                _connection.BodyReadStarted();
            }

            ReadResult result;
            try
            {
                result = await _input.ReadAsync().ConfigureAwait(false);
            }
            finally
            {
                if (awaitingBody)
                {
                    _connection.BodyReadEnded();
                }
            }

            var buffer = result.Buffer;
            try
            {
                ApplyEnded();
                while (_decoder.TryReadFrame(ref buffer, out var frame))
                {
                    await HandleAsync(frame).ConfigureAwait(false);
                    ApplyEnded();
                }

                await StartDeferredAsync().ConfigureAwait(false);

                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        throw new GatewayProtocolException(ProtocolError.TruncatedRecord);
                    }

                    if (_activeCount > 0)
                    {
                        _server.ConnectionLogger.FrontEndGone(_connection.Id, "closed with a request in progress");
                    }

                    return;
                }
            }
            finally
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
            }

            if (_closeRequested || (_connection.StopRequested && Volatile.Read(ref _activeCount) == 0))
            {
                return;
            }
        }
    }

    private async ValueTask HandleAsync(FastCgiFrame frame)
    {
        // A request whose PARAMS just ended waits for one more frame only if it is its empty STDIN.
        if (_deferred is { } deferred && !(frame.Kind == FastCgiFrameKind.StdinComplete && frame.RequestId == deferred.RequestId))
        {
            await StartDeferredAsync().ConfigureAwait(false);
        }

        switch (frame.Kind)
        {
            case FastCgiFrameKind.BeginRequest:
                _connection.StopIdleTimer();
                _connection.StartHeadTimer();
                Interlocked.Increment(ref _activeCount);
                var begun = _free.Count > 0 ? _free.Pop() : new FastCgiRequest(this, _server);
                begun.Begin(frame.RequestId, frame.KeepConnection);
                lock (_active)
                {
                    _active.Add(begun);
                }

                break;
            case FastCgiFrameKind.BeginRejected:
                _server.ProtocolLogger.BeginRejected(_connection.Id, frame.RequestId, frame.ProtocolStatus.ToString(), (int)frame.Role);
                await WriteManagementAsync(frame, static (output, f) => FastCgiRecordWriter.WriteEndRequest(output, f.RequestId, 0, f.ProtocolStatus)).ConfigureAwait(false);
                if (!frame.KeepConnection && Volatile.Read(ref _activeCount) == 0)
                {
                    _closeRequested = true; // spec §5.1: without KEEP_CONN the application closes after END_REQUEST
                }

                break;
            case FastCgiFrameKind.ParamsComplete:
                _connection.StopHeadTimer();

                // Started after the frames already received: nginx sends a GET's empty STDIN in the same packet,
                // and with STDIN complete before the app runs, END_REQUEST leaves in the response's last send.
                _deferred = Find(frame.RequestId);
                _deferredVariables = frame.Variables!;
                break;
            case FastCgiFrameKind.StdinData:
                await Find(frame.RequestId).WriteBodyAsync(frame.Data, _server.Limits.MaxRequestBodySize).ConfigureAwait(false);
                break;
            case FastCgiFrameKind.StdinComplete:
                var completed = Find(frame.RequestId);
                if (completed.CompleteBody())
                {
                    await EndRequestAsync(completed).ConfigureAwait(false);
                }

                break;
            case FastCgiFrameKind.AbortRequest:
                var aborted = Find(frame.RequestId);
                if (aborted.Started)
                {
                    aborted.Context.CancelRequest(); // the app ends; END_REQUEST follows
                }
                else
                {
                    aborted.Skip();
                    if (aborted.CompleteBody())
                    {
                        await EndRequestAsync(aborted).ConfigureAwait(false);
                    }
                }

                break;
            case FastCgiFrameKind.GetValues:
                var values = new FastCgiServerValues(_server.Limits.MaxConcurrentConnections, _server.Limits.MaxConcurrentConnections * _server.Limits.MaxMultiplexedRequests, _server.Limits.MaxMultiplexedRequests > 1);
                await WriteManagementAsync(frame, (output, f) => FastCgiRecordWriter.WriteGetValuesResult(output, f.Data, values)).ConfigureAwait(false);
                break;
            case FastCgiFrameKind.UnknownManagementType:
                await WriteManagementAsync(frame, static (output, f) => FastCgiRecordWriter.WriteUnknownType(output, f.RecordType)).ConfigureAwait(false);
                break;
        }
    }

    private ValueTask StartDeferredAsync()
    {
        if (_deferred is not { } request)
        {
            return default;
        }

        var variables = _deferredVariables!;
        _deferred = null;
        _deferredVariables = null;
        return StartAsync(request, variables);
    }

    private async ValueTask StartAsync(FastCgiRequest request, GatewayVariables variables)
    {
        if (variables.ContentLength is { } length && length > _server.Limits.MaxRequestBodySize)
        {
            _server.ProtocolLogger.BodyTooLarge(_connection.Id, length, _server.Limits.MaxRequestBodySize.Value);
            request.Skip();
            await AcquireOutputAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                request.WriteHead(413, null, EmptyBody);
                request.WriteEnd();
                await request.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                ReleaseOutput();
            }

            return;
        }

        request.Start(variables, _connection.Number);
        Interlocked.Increment(ref _running);
        _ = RunAsync(request);
    }

    private async Task RunAsync(FastCgiRequest request)
    {
        try
        {
            await request.Context.ExecuteAsync(_server.Application).ConfigureAwait(false);
            AccessLog.Write(_server, request.Context);
            if (request.FinishApplication())
            {
                await EndRequestAsync(request).ConfigureAwait(false);
            }
            else
            {
                Release(request);
            }
        }
        catch (Exception ex) when (BridgeConnection.IsTransportError(ex))
        {
            _server.ConnectionLogger.ResponseWriteFailed(_connection?.Id ?? "", ex.Message);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    private async ValueTask EndRequestAsync(FastCgiRequest request)
    {
        await AcquireOutputAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            WriteEndRequest(request);
            await Output.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            ReleaseOutput();
        }

        AfterEndRequest(request);
    }

    // Under the output lock. The id is freed (for the decoder) before END_REQUEST leaves, so a BEGIN_REQUEST that
    // nginx sends the moment it reads END_REQUEST always finds it free; the object is reused only once released.
    internal void WriteEndRequest(FastCgiRequest request)
    {
        _endedIds.Enqueue(request.RequestId);
        FastCgiRecordWriter.WriteEndRequest(Output, request.RequestId, 0, FastCgiProtocolStatus.RequestComplete);
    }

    // After END_REQUEST has been flushed: without KEEP_CONN (or while stopping) the connection closes now.
    internal void AfterEndRequest(FastCgiRequest request)
    {
        var remaining = Interlocked.Decrement(ref _activeCount);
        if (!request.KeepConnection || _connection.StopRequested)
        {
            _closeRequested = true;
            _input.CancelPendingRead();
        }
        else if (remaining == 0)
        {
            _connection.StartIdleTimer();
        }

        Release(request);
    }

    private void Release(FastCgiRequest request)
    {
        if (request.TryRelease() && !request.Context.Abandoned)
        {
            _returned.Enqueue(request);
        }
    }

    // Runs on the read loop only: the decoder and the request lists are not shared with app threads.
    private void ApplyEnded()
    {
        while (_endedIds.TryDequeue(out var id))
        {
            _decoder.Complete(id);
            lock (_active)
            {
                _active.Remove(Find(id));
            }
        }

        while (_returned.TryDequeue(out var request))
        {
            _free.Push(request);
        }
    }

    private bool AwaitsStdin()
    {
        foreach (var request in _active)
        {
            if (request.AwaitingStdin)
            {
                return true;
            }
        }

        return false;
    }

    private FastCgiRequest Find(ushort requestId)
    {
        foreach (var request in _active)
        {
            if (request.RequestId == requestId)
            {
                return request;
            }
        }

        throw new InvalidOperationException($"FastCGI request {requestId} is active in the decoder but unknown to the connection.");
    }

    private async ValueTask WriteManagementAsync(FastCgiFrame frame, Action<PipeWriter, FastCgiFrame> write)
    {
        await AcquireOutputAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            write(Output, frame);
            await Output.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            ReleaseOutput();
        }
    }
}
