using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Bridge.Server.Transport;

/// <summary>
/// The input of a <see cref="SocketConnection"/>: one pooled array holding what was received and not yet
/// consumed. A read that needs more bytes receives without blocking; if none are there it waits on the
/// connection's I/O thread (poll, woken by cancel, abort or the caller's token) when that thread may stay,
/// otherwise for the socket to be readable (<see cref="SocketEvents"/>), then receives itself: the buffer is never
/// lent to an asynchronous operation. One reader at a time, as for any <see cref="PipeReader"/>;
/// <see cref="CancelPendingRead"/> may come from any thread and is never lost.
/// </summary>
internal sealed class SocketReader : PipeReader
{
    private const int MinimumSize = 4096;
    private const int MaximumSize = 1024 * 1024; // as Kestrel's default MaxRequestBufferSize: a consumer that examines more without consuming fails

    private readonly SocketConnection _connection;
    private byte[] _buffer = [];
    private int _start;
    private int _end;
    private bool _examinedAll = true; // nothing unexamined: a read must receive
    private bool _endOfStream;
    private Exception? _error;
    private bool _completed;
    private int _cancelRequested;
    private long _bytesReceived;

    public SocketReader(SocketConnection connection) => _connection = connection;

    /// <summary>Bytes received since the connection was accepted (read by the heartbeat for the data rate).</summary>
    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    public override bool TryRead(out ReadResult result)
    {
        ThrowIfCompleted();
        if (HasResult)
        {
            result = TakeResult();
            return true;
        }

        result = default;
        return false;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfCompleted();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (HasResult)
            {
                return new ValueTask<ReadResult>(TakeResult());
            }

            ThrowIfAborted();
            if (TryReceive())
            {
                continue;
            }

            if (!TryWaitOnOwnThread(cancellationToken))
            {
                return ReceiveAsync(cancellationToken);
            }
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        ThrowIfCompleted();
        var consumedIndex = IndexOf(consumed);
        var examinedIndex = IndexOf(examined);
        if (consumedIndex < _start || consumedIndex > _end || examinedIndex < consumedIndex || examinedIndex > _end)
        {
            throw new InvalidOperationException("The position is not within the last buffer read.");
        }

        _start = consumedIndex;
        _examinedAll = examinedIndex == _end;
        if (_start == _end)
        {
            // Everything consumed: by the PipeReader contract no earlier result may be touched any more, so the
            // array can go back to the pool (a connection between requests holds none; the next receive rents).
            _start = _end = 0;
            ReleaseEmptyBuffer();
        }
    }

    public override void CancelPendingRead()
    {
        Volatile.Write(ref _cancelRequested, 1);
        Interlocked.MemoryBarrier(); // pairs with the barrier in TryWaitOnOwnThread: one of the two sees the other
        _connection.BlockedThread?.Wake();
        _connection.WakeReader();
    }

    /// <summary>
    /// No more reads. With an exception the connection is aborted, so the peer sees the failure (a reset) rather
    /// than a clean end.
    /// </summary>
    public override void Complete(Exception? exception = null)
    {
        _completed = true;
        if (exception is not null)
        {
            _connection.Abort("The connection's input was completed with an error.", exception);
        }
    }

    /// <summary>
    /// Takes in, without waiting, what the socket has now (a last look before closing). True when something came
    /// (bytes, or the end): the next read returns it.
    /// </summary>
    public bool ReceiveAvailable()
    {
        if (_connection.IsAborted || _connection.IsClosed || _endOfStream)
        {
            return false;
        }

        var had = _end - _start;
        var received = TryReceive() && (_end - _start > had || _endOfStream);
        if (_start == _end)
        {
            ReleaseEmptyBuffer();
        }

        return received;
    }

    /// <summary>Gives the array back to the pool.</summary>
    internal void ReleaseBuffer()
    {
        _start = _end = 0;
        ReleaseEmptyBuffer();
    }

    private bool HasResult => Volatile.Read(ref _cancelRequested) != 0 || !_examinedAll || _endOfStream;

    private void ReleaseEmptyBuffer()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private ReadResult TakeResult()
    {
        var canceled = Interlocked.Exchange(ref _cancelRequested, 0) != 0; // read and cleared at once: a cancel is seen once
        if (_error is not null && _start == _end && !canceled)
        {
            throw _error;
        }

        return new ReadResult(new ReadOnlySequence<byte>(_buffer, _start, _end - _start), canceled, _endOfStream);
    }

    // Receives what is there without blocking; false when the socket would block.
    private bool TryReceive()
    {
        MakeRoom();
        var received = _connection.Socket.Receive(_buffer.AsSpan(_end), SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock)
        {
            return false;
        }

        OnReceived(received, error);
        return true;
    }

    private void OnReceived(int received, SocketError error)
    {
        if (_connection.AbortReason is { } reason)
        {
            // Abort shuts the socket down, which may end a pending receive as if the peer had closed.
            _endOfStream = true;
            _error = reason;
        }
        else if (error != SocketError.Success)
        {
            _endOfStream = true;
            _error = new FrontEndClosedException($"The front end reset the connection ({error}).");
            _connection.OnPeerClosed();
        }
        else if (received == 0)
        {
            _endOfStream = true;
            _connection.OnPeerClosed();
        }
        else
        {
            _end += received;
            _examinedAll = false;
            Volatile.Write(ref _bytesReceived, _bytesReceived + received);
        }
    }

    // On the connection's own I/O thread, with another thread left to accept: block until readable or woken (by
    // CancelPendingRead, Abort or the caller's token).
    private bool TryWaitOnOwnThread(CancellationToken cancellationToken)
    {
        var thread = IoThread.Current;
        if (thread is null || thread != _connection.Owner || !thread.Owner.TryReserveBlockingRead())
        {
            return false;
        }

        if (_start == _end)
        {
            ReleaseEmptyBuffer(); // an idle kept-alive connection holds no buffer while it waits
        }

        _connection.BlockedThread = thread;
        Interlocked.MemoryBarrier();
        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((IoThread)state!).Wake(), thread)
            : default;
        try
        {
            if (Volatile.Read(ref _cancelRequested) == 0 && !_connection.IsAborted && !cancellationToken.IsCancellationRequested)
            {
                Native.WaitReadable(_connection.Fd, thread.WakeFd);
            }
        }
        finally
        {
            registration.Dispose(); // waits for a running callback: no wake-up lands after the drain below
            _connection.BlockedThread = null;
            Native.Drain(thread.WakeFd);
        }

        return true;
    }

    // Off the I/O thread: wait for readiness, then receive here. The wait is armed before the last attempt, so
    // data arriving in between is never missed; CancelPendingRead, an abort and the caller's token wake it.
    private async ValueTask<ReadResult> ReceiveAsync(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((SocketConnection)state!).WakeReader(), _connection)
            : default;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (HasResult)
            {
                return TakeResult();
            }

            ThrowIfAborted();
            var readable = _connection.WaitReadableAsync();
            if (TryReceive() || HasResult)
            {
                continue;
            }

            if (_start == _end)
            {
                ReleaseEmptyBuffer(); // nothing held: an idle connection keeps no buffer while it waits
            }

            await readable.ConfigureAwait(false);
        }
    }

    private void MakeRoom()
    {
        if (_buffer.Length == 0)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(MinimumSize);
            return;
        }

        if (_end < _buffer.Length)
        {
            return;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
            return;
        }

        if (_buffer.Length >= MaximumSize)
        {
            throw new InvalidOperationException($"More than {MaximumSize} bytes were examined without being consumed.");
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(MaximumSize, _buffer.Length * 2));
        Buffer.BlockCopy(_buffer, 0, larger, 0, _end);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    private int IndexOf(SequencePosition position)
        => ReferenceEquals(position.GetObject(), _buffer) || (position.GetObject() is null && _buffer.Length == 0)
            ? position.GetInteger()
            : throw new InvalidOperationException("The position does not belong to this reader's buffer.");

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
        }
    }

    private void ThrowIfAborted()
    {
        if (_connection.AbortReason is { } reason)
        {
            throw reason;
        }

        if (_connection.IsClosed)
        {
            throw new RequestAbortedException("The connection was closed."); // read by an app its connection outlived
        }
    }
}
