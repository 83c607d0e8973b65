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
/// A flush that must wait (the front end reads slower than the app writes) waits for the socket to be writable
/// (<see cref="SocketEvents"/>) and sends again itself, counting every byte: the minimum response data rate is
/// measured on bytes the front end really took, and a flush canceled by its token stops waiting with the bytes not
/// yet sent still buffered, so the next flush sends them: nothing is lost, nothing is sent twice.
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
    private long _pendingSince;  // when the flush under way started to wait for the socket (0: none)
    private long _pendingSent;   // bytes it has sent since

    public SocketWriter(SocketConnection connection) => _connection = connection;

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _written - _sent;

    /// <summary>When the flush under way started waiting for the front end to read (a timestamp), or 0.</summary>
    public long PendingSince => Volatile.Read(ref _pendingSince);

    /// <summary>The bytes that flush has sent since it started waiting.</summary>
    public long PendingSent => Volatile.Read(ref _pendingSent);

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

        switch (SendWhatCan())
        {
            case SocketError.Success:
                Sent();
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));
            case SocketError.WouldBlock:
                return FlushSlowAsync(cancellationToken);
            default:
                return new ValueTask<FlushResult>(OnSendFailed());
        }
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

    // Sends without blocking until all is sent (Success), the socket is full (WouldBlock) or the send fails.
    private SocketError SendWhatCan()
    {
        while (_sent < _written)
        {
            int count;
            SocketError error;
            try
            {
                count = _connection.Socket.Send(_buffer.AsSpan(_sent, _written - _sent), SocketFlags.None, out error);
            }
            catch (ObjectDisposedException)
            {
                return SocketError.Shutdown; // closed under a writer its connection outlived
            }

            if (error != SocketError.Success)
            {
                return error;
            }

            _sent += count;
            if (Volatile.Read(ref _pendingSince) != 0)
            {
                Volatile.Write(ref _pendingSent, _pendingSent + count);
            }
        }

        return SocketError.Success;
    }

    private async ValueTask<FlushResult> FlushSlowAsync(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((SocketConnection)state!).WakeWriter(), _connection)
            : default;
        Volatile.Write(ref _pendingSent, 0);
        Volatile.Write(ref _pendingSince, Math.Max(1, _connection.Time.GetTimestamp()));
        try
        {
            while (true)
            {
                if (_connection.IsAborted || _connection.IsClosed)
                {
                    return OnSendFailed();
                }

                var writable = _connection.WaitWritableAsync(); // armed before the attempt: no readiness is missed
                var result = SendWhatCan();
                if (result == SocketError.Success)
                {
                    break;
                }

                if (result != SocketError.WouldBlock || _connection.IsAborted || _connection.IsClosed)
                {
                    return OnSendFailed();
                }

                await writable.ConfigureAwait(false);

                // Canceled: what is not sent stays buffered (UnflushedBytes) for the next flush.
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            Volatile.Write(ref _pendingSince, 0);
        }

        Sent();
        return new FlushResult(isCanceled: false, isCompleted: false);
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
