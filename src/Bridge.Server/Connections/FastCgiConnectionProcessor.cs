using System.IO.Pipelines;
using Bridge.Protocol;
using Bridge.Protocol.FastCgi;
using Bridge.Protocol.Http;
using Bridge.Server.Logging;
using Bridge.Server.Transport;

namespace Bridge.Server.Connections;

/// <summary>
/// Serves a FastCGI connection: reads records, runs each request while its STDIN streams in, answers
/// management records, and honours FCGI_KEEP_CONN (close after END_REQUEST when clear; otherwise wait for the
/// next BEGIN_REQUEST, idle up to the keep-alive timeout). Requests on one connection may be interleaved by a
/// multiplexing client; their records are written under one lock so they never interleave mid-record.
/// </summary>
/// <remarks>
/// Split: this class is the read loop (records to frames to requests, management answers, keep-alive and close);
/// <see cref="FastCgiRequestTable"/> holds the requests by id, <see cref="FastCgiRequestRunner"/> runs each one and
/// times its END_REQUEST.
/// Ownership: the processor (decoder, request table, request objects) serves one connection at a time. When the
/// read loop ends it aborts the requests still running and waits for each to finish its response; only then is the
/// connection closed, and the processor and the connection's buffers reused if no request was abandoned at its
/// deadline with its app still running (<see cref="IsReusable"/>); otherwise nothing of it is reused.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Pooled for the life of the server; the semaphore has no wait handle and the buffers go back to the GC with it.")]
internal sealed class FastCgiConnectionProcessor : IConnectionProcessor, IConnectionRequests
{
    private readonly ServerContext _server;
    private readonly FastCgiRequestDecoder _decoder;
    private readonly FastCgiRequestTable _requests = new();
    private readonly SemaphoreSlim _outputLock = new(1, 1);
    private readonly Func<FastCgiRequest> _create;
    private BridgeConnection _connection = null!;
    private SocketReader _input = null!;
    private FastCgiRequest? _deferred;
    private readonly FastCgiRequestRunner _runner;
    private int _activeCount;  // begun, END_REQUEST not yet sent
    private volatile bool _closeRequested;
    private volatile bool _lingerOnClose; // the front end may still be sending: read it away before closing

    public FastCgiConnectionProcessor(ServerContext server)
    {
        _server = server;
        _decoder = new FastCgiRequestDecoder(server.ProtocolLimits);
        _create = () => new FastCgiRequest(this, server);
        _runner = new FastCgiRequestRunner(server, this, _requests);
    }

    public PipeWriter Output { get; private set; } = null!;

    /// <summary>False while an app abandoned at its deadline still runs: it may still reach this processor.</summary>
    public bool IsReusable => _runner.IsReusable;

    /// <summary>The connection's id, for log lines.</summary>
    public string ConnectionId => _connection?.Id ?? "";

    public async Task ProcessAsync(BridgeConnection connection)
    {
        _connection = connection;
        _input = connection.Input;
        Output = connection.Output;
        _closeRequested = false;
        _lingerOnClose = false;
        connection.Requests = this;
        try
        {
            await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (GatewayProtocolException ex)
        {
            _server.ProtocolLogger.Rejected(connection.Id, "FastCGI", ex.Reason, ex.Message);
            await AnswerRejectedAsync(ex.Reason).ConfigureAwait(false);
        }
        finally
        {
            connection.Requests = null;
            _requests.AbortAll();
            await _runner.WaitForRunningAsync().ConfigureAwait(false);
        }

        if (_lingerOnClose)
        {
            await connection.LingerAsync().ConfigureAwait(false);
        }
    }

    public void Recycle()
    {
        _requests.Clear();
        _decoder.Reset();
        _deferred = null;
        _activeCount = 0;
        _runner.Reset();
        _connection = null!;
        _input = null!;
        Output = null!;
    }

    public void CheckDeadlines(long now) => _requests.CheckDeadlines(now);

    public void CancelAll() => _requests.CancelAll();

    public ValueTask AcquireOutputAsync(CancellationToken cancellationToken) => new(_outputLock.WaitAsync(cancellationToken));

    public void ReleaseOutput() => _outputLock.Release();

    public void Abort(string reason) => _connection.Abort(reason);

    // Under the output lock. The id is freed (for the decoder) before END_REQUEST leaves, so a BEGIN_REQUEST that
    // nginx sends the moment it reads END_REQUEST always finds it free; the object is reused only once released.
    internal void WriteEndRequest(FastCgiRequest request)
    {
        _requests.Ended(request.RequestId);
        FastCgiRecordWriter.WriteEndRequest(Output, request.RequestId, 0, FastCgiProtocolStatus.RequestComplete);
    }

    // After END_REQUEST has been flushed: without KEEP_CONN (or while stopping) the connection closes now.
    internal void AfterEndRequest(FastCgiRequest request)
    {
        var remaining = Interlocked.Decrement(ref _activeCount);
        if (!request.KeepConnection || _connection.StopRequested)
        {
            // STDIN may still be on its way (the answer came first): read it away before closing, or the close
            // would reset the connection under the answer.
            _lingerOnClose |= request.EndedBeforeStdin;
            _closeRequested = true;
            _input.CancelPendingRead();
        }
        else if (remaining == 0)
        {
            _connection.StartIdleTimer();
        }

        _runner.Release(request);
    }

    private async Task ReadLoopAsync()
    {
        _connection.StartIdleTimer();
        while (true)
        {
            // A running request waiting for STDIN is a body read: the stall timeout and the data rate apply.
            var awaitingBody = _requests.AwaitsStdin();
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
                _requests.ApplyEnded(_decoder);
                while (_decoder.TryReadFrame(ref buffer, out var frame))
                {
                    await HandleAsync(frame).ConfigureAwait(false);
                    _requests.ApplyEnded(_decoder);
                }

                await StartDeferredAsync().ConfigureAwait(false);

                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        throw new GatewayProtocolException(ProtocolError.TruncatedRecord);
                    }

                    if (Volatile.Read(ref _activeCount) > 0)
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

            if (_closeRequested)
            {
                return;
            }

            if (_connection.StopRequested && Volatile.Read(ref _activeCount) == 0)
            {
                // Stopping: a request whose bytes reached this connection is still served. What arrives after this
                // last look is the race every kept connection has (protocol-spec/fastcgi.md §13).
                if (_input.ReceiveAvailable())
                {
                    continue;
                }

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
                var begun = _requests.Begin(frame.RequestId, frame.KeepConnection, _create);
                _decoder.UseVariables(frame.RequestId, begun.Variables); // the request's own, for as long as it lives
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
                _deferred = _requests.Find(frame.RequestId);
                _connection.BodyStarted();
                break;
            case FastCgiFrameKind.StdinData:
                await _requests.Find(frame.RequestId).WriteBodyAsync(frame.Data, _server.Limits.MaxRequestBodySize).ConfigureAwait(false);
                break;
            case FastCgiFrameKind.StdinComplete:
                var completed = _requests.Find(frame.RequestId);
                if (completed.CompleteBody())
                {
                    await _runner.EndRequestAsync(completed).ConfigureAwait(false);
                }

                break;
            case FastCgiFrameKind.AbortRequest:
                var aborted = _requests.Find(frame.RequestId);
                if (aborted.Started)
                {
                    aborted.Context.CancelRequest(); // the app ends; END_REQUEST follows
                }
                else
                {
                    aborted.Skip();
                    if (aborted.CompleteBody())
                    {
                        await _runner.EndRequestAsync(aborted).ConfigureAwait(false);
                    }
                }

                break;
            case FastCgiFrameKind.GetValues:
                var connections = _server.Descriptors.MaxConnections;
                var values = new FastCgiServerValues(connections, connections * _server.Limits.MaxMultiplexedRequests, _server.Limits.MaxMultiplexedRequests > 1);
                await WriteManagementAsync(frame, (output, f) => FastCgiRecordWriter.WriteGetValuesResult(output, f.Data, values)).ConfigureAwait(false);
                break;
            case FastCgiFrameKind.UnknownManagementType:
                await WriteManagementAsync(frame, static (output, f) => FastCgiRecordWriter.WriteUnknownType(output, f.RecordType)).ConfigureAwait(false);
                break;
        }
    }

    // Read loop: the request starts (its state is set here, where STDIN is handled), then runs on its own task.
    private ValueTask StartDeferredAsync()
    {
        if (_deferred is not { } request)
        {
            return default;
        }

        _deferred = null;
        if (request.Variables.ContentLength is { } length && length > _server.Limits.MaxRequestBodySize)
        {
            return RefuseTooLargeAsync(request, length);
        }

        request.Start(_connection.Number);
        _runner.Start(request);
        return default;
    }

    // Read loop: 413 without running the app; END_REQUEST follows at once and STDIN that follows is skipped.
    private ValueTask RefuseTooLargeAsync(FastCgiRequest request, long length)
    {
        _server.ProtocolLogger.BodyTooLarge(_connection.Id, length, _server.Limits.MaxRequestBodySize!.Value);
        return _runner.RefuseAsync(request, 413);
    }

    // Read loop, after the decoder rejected a record: a request whose PARAMS broke a limit (too many variables,
    // too large) or were malformed is answered as over uwsgi (431 or 400) when it has not started; the
    // connection then closes, as its record stream cannot be followed any further.
    private async ValueTask AnswerRejectedAsync(ProtocolError reason)
    {
        // Only the request's own content is at fault; a broken record stream (version, type, order) is not answered.
        var aboutTheRequest = reason is ProtocolError.TooManyVariables or ProtocolError.ParamsTooLarge or ProtocolError.ParamsOverrun
            or ProtocolError.ZeroLengthKey or ProtocolError.MissingRequestMethod or ProtocolError.InvalidContentLength;
        if (!aboutTheRequest || _requests.TryFind(_decoder.CurrentRequestId) is not { Started: false } request || request == _deferred)
        {
            return;
        }

        _lingerOnClose = true;
        try
        {
            await _runner.RefuseAsync(request, ProtocolErrorStatus.For(reason)).ConfigureAwait(false);
        }
        catch (Exception ex) when (BridgeConnection.IsTransportError(ex))
        {
            _server.ConnectionLogger.ResponseWriteFailed(_connection.Id, ex.Message);
        }
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
