using System.Buffers;
using System.IO.Pipelines;
using Bridge.Protocol;
using Bridge.Protocol.Gateway;
using Bridge.Protocol.Http;
using Bridge.Protocol.Uwsgi;
using Bridge.Server.Gateway;
using Bridge.Server.Logging;

namespace Bridge.Server.Connections;

/// <summary>
/// Serves the one request of a uwsgi connection (nginx never reuses them): reads the packet, runs the app with
/// the body read in place, writes an HTTP/1.1 status line and headers, drains what the app left unread. Pooled:
/// the variables' buffers, the context and the body reader survive from connection to connection.
/// </summary>
/// <remarks>
/// Ownership: one connection at a time, for the whole of its one request: the app, its OnCompleted callbacks, the
/// access log line and the drain all finish before <see cref="ProcessAsync"/> returns. The app reads the body in
/// place from the connection's input buffer; a request abandoned at its deadline may still hold a read result, so
/// then neither this processor nor the connection's buffers are reused (<see cref="IsReusable"/>). An upgraded
/// request (a WebSocket) is the same one request: it ends when its app's task completes, whatever the tunnel carried.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Pooled for the life of the server; the semaphore has no wait handle and the buffers go back to the GC with it.")]
internal sealed class UwsgiRequestProcessor : IConnectionProcessor, IResponseChannel, IUpgradableChannel, IConnectionRequests
{
    private static readonly ResponseHeader[] EmptyBody = [new("Content-Length", "0")];

    private readonly ServerContext _server;
    private readonly GatewayVariables _variables = new();
    private readonly GatewayContext _context;
    private readonly ContentLengthBodyReader _body;
    private readonly DechunkingBodyReader _chunkedBody;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private BridgeConnection _connection = null!;
    private PipeWriter _output = null!;

    public UwsgiRequestProcessor(ServerContext server)
    {
        _server = server;
        _context = new GatewayContext(server);
        _body = new ContentLengthBodyReader(server);
        _chunkedBody = new DechunkingBodyReader(server);
    }

    /// <summary>False when the app still holds the context (it ran past its deadline): not reusable.</summary>
    public bool IsReusable => !_context.Abandoned;

    public async Task ProcessAsync(BridgeConnection connection)
    {
        _connection = connection;
        _output = connection.Output;
        var input = connection.Input;
        bool chunked;
        try
        {
            if (!await ReadHeadAsync(input).ConfigureAwait(false))
            {
                return;
            }

            chunked = ChunkedBodyReader.IsChunked(_variables); // uWSGI's router: framing left on
        }
        catch (GatewayProtocolException ex)
        {
            _server.ProtocolLogger.Rejected(connection.Id, "uwsgi", ex.Reason, ex.Message);
            await AnswerAsync(ProtocolErrorStatus.For(ex.Reason)).ConfigureAwait(false);
            return;
        }

        var contentLength = _variables.ContentLength ?? 0;
        if (contentLength > _server.Limits.MaxRequestBodySize)
        {
            _server.ProtocolLogger.BodyTooLarge(connection.Id, contentLength, _server.Limits.MaxRequestBodySize.Value);
            await AnswerAsync(413).ConfigureAwait(false);
            _body.Reset(input, contentLength, connection, context: null);
            await _body.DrainAsync().ConfigureAwait(false);
            return;
        }

        UwsgiBodyReader body = _body;
        if (chunked)
        {
            _chunkedBody.Reset(input, connection, _context);
            body = _chunkedBody;
        }
        else
        {
            _body.Reset(input, contentLength, connection, _context);
        }

        connection.BodyStarted();
        _context.Initialize(GatewayProtocol.Uwsgi, connection.Number, 1, _variables, body, this);
        connection.Requests = this;
        var execution = _context.ExecuteAsync(_server.Application);
        if (!execution.IsCompleted)
        {
            // Still running: from here a close by nginx (the client went away) cancels RequestAborted, body bytes
            // not yet read or not. An app that finished synchronously never needs the watch.
            using (connection.Transport.ConnectionClosed.UnsafeRegister(static state => ((GatewayContext)state!).CancelRequest(), _context))
            {
                await execution.ConfigureAwait(false);
            }
        }
        else
        {
            await execution.ConfigureAwait(false);
        }

        connection.Requests = null;
        AccessLog.Write(_server, _context);
        if (!_context.Abandoned && !_context.RequestAborted.IsCancellationRequested)
        {
            await body.DrainAsync().ConfigureAwait(false);
        }
    }

    public void Recycle()
    {
        _context.Recycle();
        _variables.Clear();
        _connection = null!;
        _output = null!;
    }

    public void CancelAll() => _context.CancelRequest();

    public void CheckDeadlines(long now)
    {
        if (now >= _context.Deadline.At)
        {
            _context.OnDeadline();
        }
    }

    public ValueTask AcquireAsync(CancellationToken cancellationToken) => new(_lock.WaitAsync(cancellationToken));

    public void Release() => _lock.Release();

    public int WriteHead(int statusCode, string? reasonPhrase, ReadOnlySpan<ResponseHeader> headers)
        => UwsgiResponseWriter.WriteHead(_output, statusCode, reasonPhrase, headers);

    public void WriteBody(ReadOnlySpan<byte> data) => _output.Write(data);

    public void WriteEnd()
    {
        // uwsgi has no end marker: the response ends at Content-Length or when the connection closes.
    }

    // Nothing new to send (the response ends after a flush that sent it all): no wake-up of the send loop.
    public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken)
        => _output.CanGetUnflushedBytes && _output.UnflushedBytes == 0 ? default : _output.FlushAsync(cancellationToken);

    public void Abort(string reason) => _connection.Abort(reason);

    // After the 101: the bytes left in the input after the request (none for nginx, which waits for the 101) and
    // everything after them are the tunnel's.
    public UpgradedStream Upgrade()
    {
        _connection.OnUpgraded();
        return new UpgradedStream(_connection.Input, _output);
    }

    private async ValueTask<bool> ReadHeadAsync(PipeReader input)
    {
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            var examined = buffer.End;
            try
            {
                if (UwsgiRequestReader.TryRead(ref buffer, _server.ProtocolLimits, _variables, out _))
                {
                    consumed = examined = buffer.Start;
                    _connection.StopHeadTimer();
                    return true;
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    if (buffer.IsEmpty)
                    {
                        return false;
                    }

                    throw new GatewayProtocolException(ProtocolError.TruncatedPacket);
                }
            }
            finally
            {
                input.AdvanceTo(consumed, examined);
            }
        }
    }

    private async ValueTask AnswerAsync(int statusCode)
    {
        WriteHead(statusCode, null, EmptyBody);
        await _output.FlushAsync().ConfigureAwait(false);
    }
}
