using System.Net;
using System.Net.Sockets;

namespace Bridge.Server.Transport;

/// <summary>
/// An accepted socket whose pipes read and write it directly: a read is a non-blocking receive into the reader's
/// own buffer, a flush a non-blocking send of the writer's buffer. Only when the socket would block does the
/// connection wait, either on its I/O thread (see <see cref="IoThread"/>) or through .NET's asynchronous socket
/// operations. No receive or send loop runs beside the app, so a request served start to finish on one thread
/// costs no thread hand-off.
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
    private readonly CloseWatcher? _watcher;
    private readonly Lock _watchLock = new();
    private CancellationTokenSource? _closed;
    private ulong _watchKey;
    private bool _watchEnded;
    private EndPoint? _remote;
    private EndPoint? _local;
    private volatile bool _peerClosed;
    private volatile Exception? _abortReason;
    private int _socketClosed;
    private int _buffersReleased;

    public SocketConnection(Socket socket, IoThread? owner, TimeProvider time, CloseWatcher? watcher = null)
    {
        Socket = socket;
        Fd = (int)socket.Handle;
        Owner = owner;
        Time = time;
        _watcher = watcher;
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
    /// Fires when the peer closes or resets the connection, or it is aborted. Asking for it starts a watch (see
    /// <see cref="CloseWatcher"/>) unless the close was already seen: a uwsgi app still running when nginx gives up
    /// learns of it, even with request body bytes still unread.
    /// </summary>
    public CancellationToken ConnectionClosed
    {
        get
        {
            var closed = LazyInitializer.EnsureInitialized(ref _closed);
            if (_peerClosed || IsAborted || IsClosed)
            {
                Cancel(closed);
                return closed.Token;
            }

            lock (_watchLock)
            {
                if (_watcher is not null && _watchKey == 0 && !_watchEnded)
                {
                    _watchKey = _watcher.Watch(this);
                }
            }

            if (_peerClosed)
            {
                Cancel(closed); // seen while the watch started
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
        Input.OnAborted();
        BlockedThread?.Wake();
        OnPeerClosed();
    }

    /// <summary>Shuts the socket down and closes it; once. The buffers stay until <see cref="ReleaseBuffers"/>.</summary>
    public void CloseSocket()
    {
        if (Interlocked.Exchange(ref _socketClosed, 1) != 0)
        {
            return;
        }

        lock (_watchLock)
        {
            _watchEnded = true;
            _watcher?.Unwatch(this, _watchKey); // before the descriptor is closed: its number may be reused at once
            _watchKey = 0;
        }

        Shutdown();
        Socket.Dispose();
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
