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
    private long _contentLength;
    private long _remaining;
    private ReadOnlySequence<byte> _lastRead;

    public ContentLengthBodyReader(ServerContext server)
        : base(server)
    {
    }

    public long Remaining => _remaining;

    public void Reset(PipeReader input, long contentLength, BridgeConnection connection, GatewayContext? context)
    {
        Attach(input, connection, context);
        _contentLength = _remaining = contentLength;
        _lastRead = default;
    }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfCompleted();
        if (_remaining == 0)
        {
            return new ReadResult(default, isCanceled: false, isCompleted: true);
        }

        ThrowIfAborted();
        var result = await ReadInputAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsCanceled && Context is { RequestAborted.IsCancellationRequested: true })
        {
            // Woken because the request was aborted (its deadline, most likely), not by the app's own cancel.
            Input.AdvanceTo(result.Buffer.Start);
            ThrowIfAborted();
        }

        return Limit(result);
    }

    public override bool TryRead(out ReadResult result)
    {
        ThrowIfCompleted();
        if (_remaining == 0)
        {
            result = new ReadResult(default, isCanceled: false, isCompleted: true);
            return true;
        }

        ThrowIfAborted();
        if (!Input.TryRead(out var inner))
        {
            result = default;
            return false;
        }

        result = Limit(inner);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (_remaining == 0 && _lastRead.IsEmpty)
        {
            return; // the completed empty result
        }

        _remaining -= _lastRead.Slice(0, consumed).Length;
        _lastRead = default;
        Input.AdvanceTo(consumed, examined);
    }

    public override async ValueTask<bool> DrainAsync()
    {
        while (_remaining > 0)
        {
            var result = await ReadInputAsync(CancellationToken.None).ConfigureAwait(false);
            var take = Math.Min(result.Buffer.Length, _remaining);
            _remaining -= take;
            Input.AdvanceTo(result.Buffer.GetPosition(take));
            if (_remaining > 0 && (result.IsCompleted || result.IsCanceled))
            {
                return false;
            }
        }

        return true;
    }

    private void ThrowIfAborted()
    {
        if (Context is { RequestAborted.IsCancellationRequested: true })
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
            Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            Server.ProtocolLogger.BodyTruncated(Connection.Id, _contentLength - _remaining + buffer.Length, _contentLength);
            Context?.CancelRequest();
            throw new FrontEndClosedException("The front end closed the connection before the whole request body arrived.");
        }

        _lastRead = buffer;
        return new ReadResult(buffer, result.IsCanceled, whole);
    }
}
