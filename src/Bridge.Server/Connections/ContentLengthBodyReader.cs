using System.Buffers;
using System.IO.Pipelines;
using Bridge.Server.Gateway;
using Bridge.Server.Logging;

namespace Bridge.Server.Connections;

/// <summary>
/// A uwsgi request body: the next CONTENT_LENGTH bytes of the connection, read in place from the transport
/// (no copy). nginx never half-closes, so the body ends by count, not EOF; an EOF before the count is the front
/// end giving up, reported as an <see cref="IOException"/> and an aborted request, never as a short body.
/// </summary>
internal sealed class ContentLengthBodyReader : UwsgiBodyReader
{
    private readonly ServerContext _server;
    private PipeReader _input = null!;
    private BridgeConnection _connection = null!;
    private GatewayContext? _context;
    private long _contentLength;
    private long _remaining;
    private ReadOnlySequence<byte> _lastRead;
    private bool _completed;

    public ContentLengthBodyReader(ServerContext server) => _server = server;

    public long Remaining => _remaining;

    public void Reset(PipeReader input, long contentLength, BridgeConnection connection, GatewayContext? context)
    {
        _input = input;
        _contentLength = _remaining = contentLength;
        _connection = connection;
        _context = context;
        _lastRead = default;
        _completed = false;
    }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_remaining == 0)
        {
            return new ReadResult(default, isCanceled: false, isCompleted: true);
        }

        ThrowIfAborted();
        _connection.BodyReadStarted();
        ReadResult result;
        try
        {
            result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connection.BodyReadEnded();
        }

        if (result.IsCanceled && _context is { RequestAborted.IsCancellationRequested: true })
        {
            // Woken because the request was aborted (its deadline, most likely), not by the app's own cancel.
            _input.AdvanceTo(result.Buffer.Start);
            ThrowIfAborted();
        }

        return Limit(result);
    }

    public override bool TryRead(out ReadResult result)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_remaining == 0)
        {
            result = new ReadResult(default, isCanceled: false, isCompleted: true);
            return true;
        }

        ThrowIfAborted();
        if (!_input.TryRead(out var inner))
        {
            result = default;
            return false;
        }

        result = Limit(inner);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (_remaining == 0 && _lastRead.IsEmpty)
        {
            return; // the completed empty result
        }

        _remaining -= _lastRead.Slice(0, consumed).Length;
        _lastRead = default;
        _input.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => _input.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _completed = true;

    public override async ValueTask<bool> DrainAsync()
    {
        while (_remaining > 0)
        {
            _connection.BodyReadStarted();
            ReadResult result;
            try
            {
                result = await _input.ReadAsync().ConfigureAwait(false);
            }
            finally
            {
                _connection.BodyReadEnded();
            }

            var take = Math.Min(result.Buffer.Length, _remaining);
            _remaining -= take;
            _input.AdvanceTo(result.Buffer.GetPosition(take));
            if (_remaining > 0 && (result.IsCompleted || result.IsCanceled))
            {
                return false;
            }
        }

        return true;
    }

    private void ThrowIfAborted()
    {
        if (_context is { RequestAborted.IsCancellationRequested: true })
        {
            throw new RequestAbortedException("The request was aborted; its body can no longer be read.");
        }
    }

    private ReadResult Limit(ReadResult result)
    {
        var buffer = result.Buffer;
        if (buffer.Length > _remaining)
        {
            buffer = buffer.Slice(0, _remaining);
        }

        var whole = buffer.Length == _remaining;
        if (!whole && result.IsCompleted)
        {
            _input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            _server.ProtocolLogger.BodyTruncated(_connection.Id, _contentLength - _remaining + buffer.Length, _contentLength);
            _context?.CancelRequest();
            throw new FrontEndClosedException("The front end closed the connection before the whole request body arrived.");
        }

        _lastRead = buffer;
        return new ReadResult(buffer, result.IsCanceled, whole);
    }
}
