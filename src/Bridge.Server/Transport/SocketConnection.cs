using System.Net;
using System.Net.Sockets;

namespace Bridge.Server.Transport;

/// <summary>
/// An accepted socket whose pipes read and write it directly: a read is a non-blocking receive into the reader's
/// own buffer, a flush a non-blocking send of the writer's buffer. Only when the socket would block does the
/// connection wait, either on its I/O thread (see <see cref="IoThread"/>) or, off it, for the server's
/// <see cref="SocketEvents"/> to say it is ready. No receive or send loop runs beside the app, so a request served
/// start to finish on one thread costs no thread hand-off.
/// </summary>
/// <remarks>
/// Ownership: the connection (its <c>BridgeConnection</c>) owns the socket and both buffers. <see cref="CloseSocket"/>
/// ends the conversation; the buffers go back to the pool only through <see cref="ReleaseBuffers"/>, which the
/// owner calls once nothing that could still touch them runs (the read loop and every request task on the
/// connection have finished). A request abandoned at its deadline may still hold a read result or be writing:
/// its connection then never releases the buffers and the garbage collector takes them.
/// </remarks>
internal sealed class SocketConnection
{
    private const int Unregistered = 0;
    private const int Registered = 1;
    private const int Closed = 2;

    private readonly SocketEvents _events;
    private readonly Lock _eventsLock = new();
    private CancellationTokenSource? _closed;
    private ulong _eventKey;
    private int _eventState;
    private TaskCompletionSource? _readable;
    private TaskCompletionSource? _writable;
    private EndPoint? _remote;
    private EndPoint? _local;
    private volatile bool _peerClosed;
    private volatile Exception? _abortReason;
    private int _socketClosed;
    private int _buffersReleased;

    public SocketConnection(Socket socket, IoThread? owner, TimeProvider time, SocketEvents events)
    {
        Socket = socket;
        Fd = (int)socket.Handle;
        Owner = owner;
        Time = time;
        _events = events;
        Input = new SocketReader(this);
        Output = new SocketWriter(this);
    }

    public Socket Socket { get; }

    public int Fd { get; }

    public TimeProvider Time { get; }

    /// <summary>The I/O thread serving this connection inline; null once it runs on the thread pool.</summary>
    public IoThread? Owner { get; set; }

    /// <summary>The I/O thread blocked in a read of this connection, if any (to wake it).</summary>
    public IoThread? BlockedThread { get; set; }

    public SocketReader Input { get; }

    public SocketWriter Output { get; }

    public bool IsAborted => _abortReason is not null;

    /// <summary>What reads and writes throw once the connection was aborted.</summary>
    public Exception? AbortReason => _abortReason;

    public bool IsClosed => Volatile.Read(ref _socketClosed) != 0;

    public EndPoint? RemoteEndPoint => _remote ??= TryGet(static s => s.RemoteEndPoint, Socket);

    public EndPoint? LocalEndPoint => _local ??= TryGet(static s => s.LocalEndPoint, Socket);

    /// <summary>
    /// Fires when the peer closes or resets the connection, or it is aborted. Asking for it starts a watch (the
    /// connection joins <see cref="SocketEvents"/>) unless the close was already seen: a uwsgi app still running
    /// when nginx gives up learns of it, even with request body bytes still unread.
    /// </summary>
    public CancellationToken ConnectionClosed
    {
        get
        {
            var closed = LazyInitializer.EnsureInitialized(ref _closed);
            if (!_peerClosed && !IsAborted && !IsClosed)
            {
                EnsureRegistered(); // a close that came before is reported as the connection is added
            }

            if (_peerClosed || IsAborted || IsClosed)
            {
                Cancel(closed);
            }

            return closed.Token;
        }
    }

    /// <summary>
    /// Ends the connection at once: the socket is shut down both ways (a blocked poll or a pending operation ends),
    /// later reads throw <see cref="RequestAbortedException"/> with <paramref name="reason"/>, flushes report the
    /// peer gone, and <see cref="ConnectionClosed"/> fires. Safe from any thread, any number of times.
    /// </summary>
    public void Abort(string reason, Exception? innerException = null)
    {
        if (Interlocked.CompareExchange(ref _abortReason, new RequestAbortedException(reason, innerException), null) is not null)
        {
            return;
        }

        Shutdown();
        BlockedThread?.Wake();
        WakeReader();
        WakeWriter();
        OnPeerClosed();
    }

    /// <summary>
    /// A task that completes when the socket may be readable (or was closed, aborted or woken). Arm it before the
    /// last non-blocking attempt, so readiness that comes in between is not missed.
    /// </summary>
    public Task WaitReadableAsync() => Wait(ref _readable);

    /// <summary>A task that completes when the socket may be writable (or was closed, aborted or woken); see <see cref="WaitReadableAsync"/>.</summary>
    public Task WaitWritableAsync() => Wait(ref _writable);

    /// <summary>Completes a pending read wait (CancelPendingRead, a caller's token, an abort).</summary>
    public void WakeReader() => Interlocked.Exchange(ref _readable, null)?.TrySetResult();

    /// <summary>Completes a pending write wait.</summary>
    public void WakeWriter() => Interlocked.Exchange(ref _writable, null)?.TrySetResult();

    /// <summary>From <see cref="SocketEvents"/>' thread: the socket became readable, writable, or the peer closed.</summary>
    internal void OnEvents(uint events)
    {
        if ((events & (Native.EventIn | Native.EventPeerClosed | Native.EventHangUp | Native.EventError)) != 0)
        {
            WakeReader();
        }

        if ((events & (Native.EventOut | Native.EventHangUp | Native.EventError)) != 0)
        {
            WakeWriter();
        }

        if ((events & (Native.EventPeerClosed | Native.EventHangUp | Native.EventError)) != 0)
        {
            OnPeerClosed();
        }
    }

    /// <summary>Shuts the socket down and closes it; once. The buffers stay until <see cref="ReleaseBuffers"/>.</summary>
    public void CloseSocket()
    {
        if (Interlocked.Exchange(ref _socketClosed, 1) != 0)
        {
            return;
        }

        lock (_eventsLock)
        {
            if (_eventState == Registered)
            {
                _events.Unregister(this, _eventKey); // before the descriptor is closed: its number may be reused at once
            }

            _eventState = Closed;
        }

        Shutdown();
        Socket.Dispose();
        WakeReader();
        WakeWriter();
    }

    /// <summary>
    /// Gives both buffers back to the pool; once. Only the owner calls it, when nothing that could touch them runs.
    /// </summary>
    public void ReleaseBuffers()
    {
        if (Interlocked.Exchange(ref _buffersReleased, 1) != 0)
        {
            return;
        }

        Input.ReleaseBuffer();
        Output.ReleaseBuffer();
    }

    /// <summary>The peer closed or reset the connection (or it was aborted): <see cref="ConnectionClosed"/> fires.</summary>
    internal void OnPeerClosed()
    {
        _peerClosed = true;
        Interlocked.MemoryBarrier(); // pairs with the getter: the token it hands out is canceled either way
        if (Volatile.Read(ref _closed) is { } closed)
        {
            Cancel(closed);
        }
    }

    private Task Wait(ref TaskCompletionSource? slot)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref slot, waiter)?.TrySetResult(); // one waiter per direction; a stale one is let go
        if (!EnsureRegistered() || IsAborted || IsClosed)
        {
            waiter.TrySetResult(); // nothing will say it is ready: the caller's retry meets the error
        }

        return waiter.Task;
    }

    // Joins the server's event set on first need; false once closed or if it cannot (then the connection is aborted).
    private bool EnsureRegistered()
    {
        if (Volatile.Read(ref _eventState) == Registered)
        {
            return true;
        }

        lock (_eventsLock)
        {
            if (_eventState == Unregistered)
            {
                try
                {
                    _eventKey = _events.Register(this);
                    Volatile.Write(ref _eventState, Registered);
                }
                catch (Exception ex) when (ex is NativeException or ObjectDisposedException)
                {
                    _eventState = Closed;
                    Abort("The connection could not wait for its socket.", ex);
                    return false;
                }
            }

            return _eventState == Registered;
        }
    }

    private static void Cancel(CancellationTokenSource source)
    {
        if (!source.IsCancellationRequested)
        {
            // Callbacks run here (an app's RequestAborted): one that throws must not break the transport.
            try
            {
                source.Cancel();
            }
            catch (AggregateException)
            {
            }
        }
    }

    // Shut down both ways before closing (as Kestrel does): a blocked poll or pending operation ends at once.
    private void Shutdown()
    {
        try
        {
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    private static EndPoint? TryGet(Func<Socket, EndPoint?> get, Socket socket)
    {
        try
        {
            return get(socket);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }
}
