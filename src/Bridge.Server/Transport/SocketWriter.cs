using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Bridge.Server.Transport;

/// <summary>
/// The output of a <see cref="SocketConnection"/>: writes go into one pooled array; a flush sends it without
/// blocking and, only if the socket's send buffer is full, finishes asynchronously. A send that fails (the front
/// end went away) completes the writer: later flushes report <see cref="FlushResult.IsCompleted"/>, as a pipe
/// whose reader has gone does. One writer at a time (callers hold the connection's output lock).
/// </summary>
/// <remarks>
/// A flush canceled by its token while a send is under way cannot take the bytes back (the stream's framing would
/// break), nor send them twice: the send goes on in the background and keeps its array, which it gives back to the
/// pool when it ends; the writer starts a new array, and the next flush first waits for that send. So a canceled
/// flush neither loses nor repeats a byte.
/// </remarks>
internal sealed class SocketWriter : PipeWriter
{
    private const int MinimumSize = 4096;

    private readonly SocketConnection _connection;
    private byte[] _buffer = [];
    private int _written;
    private int _sent; // bytes of _buffer already sent (a flush that finished asynchronously sends the rest)
    private bool _completed;
    private volatile bool _peerGone;
    private Task? _detachedSend; // a send whose flush was canceled: it owns its array
    private long _pendingSince;  // when the flush under way started to wait for the socket (0: none)
    private long _pendingBytes;  // how many bytes it had left to send then

    public SocketWriter(SocketConnection connection) => _connection = connection;

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _written - _sent;

    /// <summary>When the send under way started waiting for the peer to read (a timestamp), or 0.</summary>
    public long PendingSince => Volatile.Read(ref _pendingSince);

    /// <summary>The bytes that send had left when it started waiting.</summary>
    public long PendingBytes => Volatile.Read(ref _pendingBytes);

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
        if (_peerGone || _connection.IsClosed || _connection.IsAborted)
        {
            Drop();
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
        }

        if (_detachedSend is { IsCompleted: false })
        {
            return FlushAfterDetachedAsync(cancellationToken);
        }

        while (_sent < _written)
        {
            var count = _connection.Socket.Send(_buffer.AsSpan(_sent, _written - _sent), SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                return FlushSlowAsync(cancellationToken);
            }

            if (error != SocketError.Success)
            {
                return new ValueTask<FlushResult>(OnSendFailed());
            }

            _sent += count;
        }

        Sent();
        return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));
    }

    public override void CancelPendingFlush()
    {
        // Nothing waits but the socket: a send under way is not taken back (the framing would break); a caller that
        // must stop waiting passes a token, and the send then finishes in the background (see the remarks).
    }

    /// <summary>
    /// No more writes. With an exception the connection is aborted, so the front end sees a cut (a reset), never
    /// a response that merely ended.
    /// </summary>
    public override void Complete(Exception? exception = null)
    {
        _completed = true;
        if (exception is not null)
        {
            _connection.Abort("The connection's output was completed with an error.", exception);
        }
    }

    /// <summary>Gives the array back to the pool (what was not sent is dropped with the connection).</summary>
    internal void ReleaseBuffer() => Sent();

    private async ValueTask<FlushResult> FlushAfterDetachedAsync(CancellationToken cancellationToken)
    {
        await _detachedSend!.WaitAsync(cancellationToken).ConfigureAwait(false); // keeps the order of the bytes
        return await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<FlushResult> FlushSlowAsync(CancellationToken cancellationToken)
    {
        var array = _buffer;
        var remaining = _written - _sent;
        Volatile.Write(ref _pendingBytes, remaining);
        Volatile.Write(ref _pendingSince, Math.Max(1, _connection.Time.GetTimestamp()));
        var send = SendAsync(array, _sent, _written);
        bool sent;
        try
        {
            sent = cancellationToken.CanBeCanceled
                ? await send.WaitAsync(cancellationToken).ConfigureAwait(false)
                : await send.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!send.IsCompleted)
        {
            // The send goes on with its array; this writer starts afresh and the next flush waits for it.
            _detachedSend = ReturnWhenSentAsync(send, array);
            _buffer = [];
            _written = _sent = 0;
            throw;
        }

        Volatile.Write(ref _pendingSince, 0);
        if (!sent)
        {
            return OnSendFailed();
        }

        Sent();
        return new FlushResult(isCanceled: false, isCompleted: false);
    }

    // Sends array[from..to]; false when the peer went away (or the connection was closed or aborted).
    private async Task<bool> SendAsync(byte[] array, int from, int to)
    {
        try
        {
            while (from < to)
            {
                from += await _connection.Socket.SendAsync(array.AsMemory(from, to - from), SocketFlags.None).ConfigureAwait(false);
            }

            return true;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private async Task ReturnWhenSentAsync(Task<bool> send, byte[] array)
    {
        var sent = await send.ConfigureAwait(false);
        Volatile.Write(ref _pendingSince, 0);
        if (!sent)
        {
            _peerGone = true;
            _connection.OnPeerClosed();
        }

        ArrayPool<byte>.Shared.Return(array);
    }

    private FlushResult OnSendFailed()
    {
        _peerGone = true;
        Drop();
        _connection.OnPeerClosed();
        return new FlushResult(isCanceled: false, isCompleted: true);
    }

    // Nothing more will be sent: what is buffered is dropped (the array is kept for writes that are still made).
    private void Drop() => _written = _sent = 0;

    // All sent: the array goes back to the pool, so a connection waiting between requests holds none.
    private void Sent()
    {
        _written = _sent = 0;
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

        if (_sent > 0 && _buffer.Length - (_written - _sent) >= needed)
        {
            // Bytes already sent make room: move the unsent ones to the front.
            Buffer.BlockCopy(_buffer, _sent, _buffer, 0, _written - _sent);
            _written -= _sent;
            _sent = 0;
            return;
        }

        var unsent = _written - _sent;
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(MinimumSize, Math.Max(_buffer.Length * 2, unsent + needed)));
        if (_buffer.Length > 0)
        {
            Buffer.BlockCopy(_buffer, _sent, larger, 0, unsent);
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = larger;
        _written = unsent;
        _sent = 0;
    }
}
