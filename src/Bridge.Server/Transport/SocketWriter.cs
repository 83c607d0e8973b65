using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Bridge.Server.Transport;

/// <summary>
/// The output of a <see cref="SocketConnection"/>: writes go into one pooled array; a flush sends it without
/// blocking and, only if the socket's send buffer is full, finishes asynchronously. A send that fails (the front
/// end went away) completes the writer: later flushes report <see cref="FlushResult.IsCompleted"/>, as a pipe
/// whose reader has gone does.
/// </summary>
internal sealed class SocketWriter : PipeWriter
{
    private const int MinimumSize = 4096;

    private readonly SocketConnection _connection;
    private byte[] _buffer = [];
    private int _written;
    private bool _completed;
    private bool _peerGone;

    public SocketWriter(SocketConnection connection) => _connection = connection;

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _written;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public override void Advance(int bytes)
    {
        if ((uint)bytes > (uint)(_buffer.Length - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), "Advanced past the memory handed out.");
        }

        _written += bytes;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_peerGone || _connection.IsDisposed)
        {
            _written = 0;
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
        }

        var sent = 0;
        while (sent < _written)
        {
            var count = _connection.Socket.Send(_buffer.AsSpan(sent, _written - sent), SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                return FlushSlowAsync(sent, cancellationToken);
            }

            if (error != SocketError.Success)
            {
                return new ValueTask<FlushResult>(OnSendFailed());
            }

            sent += count;
        }

        Sent();
        return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));
    }

    public override void CancelPendingFlush()
    {
        // A send in progress cannot be taken back without losing the stream's framing; it completes on its own.
    }

    public override void Complete(Exception? exception = null) => _completed = true;

    internal void ReturnBuffer() => Sent(); // what was not sent is dropped with the connection

    private async ValueTask<FlushResult> FlushSlowAsync(int sent, CancellationToken cancellationToken)
    {
        try
        {
            while (sent < _written)
            {
                sent += await _connection.Socket.SendAsync(_buffer.AsMemory(sent, _written - sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return OnSendFailed();
        }

        Sent();
        return new FlushResult(isCanceled: false, isCompleted: false);
    }

    private FlushResult OnSendFailed()
    {
        _peerGone = true;
        _written = 0;
        _connection.OnClosed();
        return new FlushResult(isCanceled: false, isCompleted: true);
    }

    // All sent: the array goes back to the pool, so a connection waiting between requests holds none.
    private void Sent()
    {
        _written = 0;
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private void Reserve(int sizeHint)
    {
        if (_completed)
        {
            throw new InvalidOperationException("Writing is not allowed after the writer was completed.");
        }

        var needed = sizeHint > 0 ? sizeHint : 256; // GetSpan() with no hint: room for a useful write
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(MinimumSize, Math.Max(_buffer.Length * 2, _written + needed)));
        if (_buffer.Length > 0)
        {
            Buffer.BlockCopy(_buffer, 0, larger, 0, _written);
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = larger;
    }
}
