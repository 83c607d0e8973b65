using System.Buffers;
using System.IO.Pipelines;

namespace Bridge.Server.Connections;

/// <summary>
/// An upgraded connection as the app sees it after its 101: a duplex stream straight over the connection's pipes,
/// with nothing of uwsgi in between (nginx tunnels the client's bytes as they are). A read that waits holds no
/// thread and, once what arrived is consumed, no buffer (the transport waits for readiness on the server's event
/// thread); a write is sent before it completes, in pieces of at most <see cref="WriteChunk"/> bytes, so a large
/// message never grows the send buffer past that. One read and one write may run at once (as a WebSocket does),
/// not two of either.
/// </summary>
/// <remarks>
/// Ownership: the connection's, lent to the app from the 101 until the app's task completes; then the connection
/// detaches it (<see cref="Detach"/>) before it closes, so an app (or a WebSocket's keep-alive timer) that still
/// holds it gets <see cref="ObjectDisposedException"/> and never reaches the closed connection's pipes.
/// </remarks>
internal sealed class UpgradedStream(PipeReader input, PipeWriter output) : Stream
{
    private const int WriteChunk = 64 * 1024;

    private const byte FinalCloseFrame = 0x88; // RFC 6455 section 5.2: FIN + opcode 8 (close)

    private long _bytesSent;
    private int _writing;
    private volatile bool _closeFrameSent;
    private long _bytesReceived;
    private volatile bool _detached;
    private volatile bool _disposed;

    /// <summary>Bytes the app sent through the tunnel (the access log's bytes, as nginx counts them).</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>
    /// For a WebSocket over this stream: whether it sent a close frame. System.Net.WebSockets writes each frame with one
    /// write, so a write that starts with a final close frame's first byte is one.
    /// </summary>
    public bool CloseFrameSent => _closeFrameSent;

    /// <summary>Bytes the app read from the tunnel.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    public override bool CanRead => !_disposed;

    public override bool CanWrite => !_disposed;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>The tunnel is over (the app's task completed): nothing may touch the connection through this any more.</summary>
    public void Detach() => _detached = true;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var data = result.Buffer;
            if (!data.IsEmpty)
            {
                var count = (int)Math.Min(data.Length, buffer.Length);
                data.Slice(0, count).CopyTo(buffer.Span);
                input.AdvanceTo(data.GetPosition(count));
                Interlocked.Add(ref _bytesReceived, count);
                return count;
            }

            input.AdvanceTo(data.End);
            if (result.IsCompleted)
            {
                return 0; // the front end closed the tunnel
            }

            // Canceled: the request's abort woke the read (the front end closed: what it sent before is still
            // read, then the end; the server cut the connection: the next read throws). Read again.
            ThrowIfUnusable();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        Interlocked.Increment(ref _writing);
        try
        {
            if (!buffer.IsEmpty && buffer.Span[0] == FinalCloseFrame)
            {
                _closeFrameSent = true;
            }

            await WriteChunksAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _writing);
        }
    }

    /// <summary>
    /// As <see cref="SendLastAsync"/>, just before the connection is cut (an abort): the bytes go if the socket takes
    /// them at once; a send that would wait is ended by the cut that follows, which wakes it as a failure.
    /// </summary>
    public bool TrySendLastBeforeCut(ReadOnlySpan<byte> bytes)
    {
        if (_detached || Volatile.Read(ref _writing) != 0)
        {
            return false;
        }

        output.Write(bytes);
        var flush = output.FlushAsync();
        return flush.IsCompletedSuccessfully && !flush.Result.IsCompleted;
    }

    /// <summary>
    /// The server's last word on a tunnel whose app has returned (a WebSocket's 1001), before the connection closes:
    /// written only if no write of the app's is under way (a frame half sent) and the tunnel was not detached, even if
    /// the app disposed the stream. True if it went.
    /// </summary>
    public async ValueTask<bool> SendLastAsync(ReadOnlyMemory<byte> bytes)
    {
        if (_detached || Volatile.Read(ref _writing) != 0)
        {
            return false;
        }

        output.Write(bytes.Span);
        return !(await output.FlushAsync().ConfigureAwait(false)).IsCompleted;
    }

    private async ValueTask WriteChunksAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var chunk = buffer[..Math.Min(buffer.Length, WriteChunk)];
            output.Write(chunk.Span);
            var result = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCompleted)
            {
                throw new IOException("The front end closed the upgraded connection.");
            }

            Interlocked.Add(ref _bytesSent, chunk.Length);
            buffer = buffer[chunk.Length..];
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Synchronous calls block the calling thread for as long as the tunnel makes them wait: use the async ones.
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override int Read(Span<byte> buffer)
    {
        var rented = new byte[buffer.Length];
        var read = ReadAsync(rented).AsTask().GetAwaiter().GetResult();
        rented.AsSpan(0, read).CopyTo(buffer);
        return read;
    }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(ReadOnlySpan<byte> buffer) => WriteAsync(buffer.ToArray()).AsTask().GetAwaiter().GetResult();

    // Every write is sent before it completes.
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    // Disposing ends the app's use of the stream; the connection itself closes when the app's task completes.
    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        base.Dispose(disposing);
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed || _detached, this);
    }
}
