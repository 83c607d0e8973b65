using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Bridge.Server.Transport;

/// <summary>
/// The input of a <see cref="SocketConnection"/>: one pooled array holding what was received and not yet
/// consumed. A read that needs more bytes receives without blocking; if none are there it waits on the
/// connection's I/O thread (poll, woken by cancel or abort) when that thread may stay, otherwise asynchronously.
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
    private volatile bool _cancelRequested;
    private CancellationTokenSource? _readCancel;
    private int _receiving;

    public SocketReader(SocketConnection connection) => _connection = connection;

    public override bool TryRead(out ReadResult result)
    {
        ThrowIfCompleted();
        if (_cancelRequested || !_examinedAll || _endOfStream)
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
            if (_cancelRequested || !_examinedAll || _endOfStream)
            {
                return new ValueTask<ReadResult>(TakeResult());
            }

            ThrowIfAborted();
            if (TryReceive())
            {
                continue;
            }

            if (!TryWaitOnOwnThread())
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
            _start = _end = 0;
            ReleaseEmptyBuffer(); // between requests a connection holds no buffer (rented again by the next receive)
        }
    }

    public override void CancelPendingRead()
    {
        _cancelRequested = true;
        Interlocked.MemoryBarrier(); // pairs with the barrier in TryWaitOnOwnThread: one of the two sees the other
        _connection.BlockedThread?.Wake();
        try
        {
            Volatile.Read(ref _readCancel)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public override void Complete(Exception? exception = null) => _completed = true;

    internal void OnAborted()
    {
        try
        {
            Volatile.Read(ref _readCancel)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void ReleaseEmptyBuffer()
    {
        if (_buffer.Length > 0 && Volatile.Read(ref _receiving) == 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    internal void ReturnBuffer()
    {
        ReleaseEmptyBuffer();
        _buffer = []; // a receive still in flight (an app reading after its connection was torn down) keeps the array
        _start = _end = 0;
    }

    private ReadResult TakeResult()
    {
        var canceled = _cancelRequested;
        _cancelRequested = false;
        if (_error is not null && _start == _end)
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
        if (_connection.IsAborted)
        {
            // Abort shuts the socket down, which may end a pending receive as if the peer had closed.
            _endOfStream = true;
            _error = _connection.AbortReason ?? new ConnectionAbortedException();
            _connection.OnClosed();
        }
        else if (error != SocketError.Success)
        {
            _endOfStream = true;
            _error = _connection.IsAborted
                ? _connection.AbortReason ?? new ConnectionAbortedException()
                : new ConnectionResetException($"The front end reset the connection ({error}).");
            _connection.OnClosed();
        }
        else if (received == 0)
        {
            _endOfStream = true;
            _connection.OnClosed();
        }
        else
        {
            _end += received;
            _examinedAll = false;
        }
    }

    // On the connection's own I/O thread, with another thread left to accept: block until readable or woken.
    private bool TryWaitOnOwnThread()
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
        try
        {
            if (!_cancelRequested && !_connection.IsAborted)
            {
                Native.WaitReadable(_connection.Fd, thread.WakeFd);
            }
        }
        finally
        {
            _connection.BlockedThread = null;
            Native.Drain(thread.WakeFd);
        }

        return true;
    }

    private async ValueTask<ReadResult> ReceiveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var cancel = LazyInitializer.EnsureInitialized(ref _readCancel);
            if (_cancelRequested || !_examinedAll || _endOfStream)
            {
                return TakeResult();
            }

            ThrowIfAborted();
            var waitOnly = _start == _end; // nothing held: wait for data before renting a buffer
            if (!waitOnly)
            {
                MakeRoom();
            }

            int received;
            var error = SocketError.Success;
            Volatile.Write(ref _receiving, 1);
            try
            {
                using var link = cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), cancel);
                received = await _connection.Socket.ReceiveAsync(waitOnly ? Memory<byte>.Empty : _buffer.AsMemory(_end), SocketFlags.None, cancel.Token).ConfigureAwait(false);
                if (waitOnly)
                {
                    Volatile.Write(ref _receiving, 0);
                    _ = TryReceive(); // the loop returns what arrived, or waits again if another reader raced
                    continue;
                }
            }
            catch (OperationCanceledException)
            {
                if (!cancel.TryReset())
                {
                    _readCancel = null;
                }

                cancellationToken.ThrowIfCancellationRequested();
                continue; // CancelPendingRead or abort: the loop returns or throws
            }
            catch (SocketException ex)
            {
                received = 0;
                error = ex.SocketErrorCode;
            }
            catch (ObjectDisposedException)
            {
                received = 0;
                error = SocketError.OperationAborted;
            }
            finally
            {
                Volatile.Write(ref _receiving, 0);
            }

            if (_connection.IsDisposed)
            {
                throw new ConnectionAbortedException("The connection was closed.");
            }

            OnReceived(received, error);
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
        if (_connection.IsAborted)
        {
            throw _connection.AbortReason ?? new ConnectionAbortedException();
        }
    }
}
