using System.Buffers;
using System.IO.Pipelines;

namespace Bridge.Server.Gateway;

/// <summary>
/// The response body as a <see cref="PipeWriter"/>. Bytes gather in a pooled buffer until the app flushes (or
/// 64 KiB gather in a <see cref="WriteAsync"/>), then go to the connection with the protocol's framing; so a
/// response finished without a flush gets an exact Content-Length, and a streamed one costs one copy.
/// Writing past a declared Content-Length throws, as in Kestrel.
/// </summary>
internal sealed class ResponseBodyWriter : PipeWriter
{
    private const int InitialBufferSize = 4096;
    internal const int FlushThreshold = 64 * 1024;

    private readonly GatewayContext _context;
    private byte[] _buffer = [];
    private int _buffered;
    private long _written;
    private bool _discard;

    public ResponseBodyWriter(GatewayContext context) => _context = context;

    /// <summary>Bytes the app has written (also those dropped for HEAD).</summary>
    public long BytesWritten => _written;

    public bool IsCompleted { get; private set; }

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _buffered;

    internal ReadOnlyMemory<byte> Buffered => _buffer.AsMemory(0, _buffered);

    public override void Advance(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (_context.Response.ContentLength is { } declared && _written + bytes > declared && !_discard)
        {
            throw new InvalidOperationException($"Response Content-Length mismatch: too many bytes written ({_written + bytes} of {declared}).");
        }

        _written += bytes;
        if (!_discard)
        {
            _buffered += bytes;
        }
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).Span;

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        => _context.FlushResponseAsync(cancellationToken);

    public override async ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        while (!source.IsEmpty)
        {
            var room = Math.Max(FlushThreshold - _buffered, 1);
            var chunk = source[..Math.Min(source.Length, room)];
            chunk.Span.CopyTo(GetSpan(chunk.Length));
            Advance(chunk.Length);
            source = source[chunk.Length..];
            if (_buffered >= FlushThreshold && !source.IsEmpty)
            {
                var intermediate = await _context.FlushResponseAsync(cancellationToken).ConfigureAwait(false);
                if (intermediate.IsCanceled || intermediate.IsCompleted)
                {
                    return intermediate;
                }
            }
        }

        return await _context.FlushResponseAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void CancelPendingFlush()
    {
    }

    public override void Complete(Exception? exception = null) => IsCompleted = true;

    internal void Reset(bool discard)
    {
        _buffered = 0;
        _written = 0;
        _discard = discard;
        IsCompleted = false;
    }

    /// <summary>The server sends nothing the app wrote (a 500 replaces it, or the status forbids a body).</summary>
    internal void DropBuffered() => _buffered = 0;

    /// <summary>Forgets what the app wrote, count included: an error answer replaces the body, whose length is then 0.</summary>
    internal void DropWritten()
    {
        _buffered = 0;
        _written = 0;
    }

    internal void MarkSent() => _buffered = 0;

    internal void SetDiscard() => _discard = true;

    internal void ReturnBuffer()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        _buffered = 0;
    }

    private Memory<byte> Reserve(int sizeHint)
    {
        _context.ThrowIfResponseClosed();
        sizeHint = Math.Max(sizeHint, 1);
        var start = _discard ? 0 : _buffered;
        if (_buffer.Length - start < sizeHint)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(Math.Max(InitialBufferSize, start + sizeHint), _buffer.Length * 2));
            _buffer.AsSpan(0, _buffered).CopyTo(bigger);
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer); // not ReturnBuffer(): that forgets the bytes just copied
            }

            _buffer = bigger;
        }

        return _buffer.AsMemory(start);
    }
}
