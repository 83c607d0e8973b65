using System.Net.Sockets;

namespace Bridge.Server.Transport;

/// <summary>
/// The dedicated threads of one listening socket. Each waits in its own epoll set (EPOLLEXCLUSIVE: one thread woken
/// per connection), accepts, and serves the connection inline until it would wait for the network or the app;
/// then the connection continues on the thread pool and the thread accepts again. A thread may also stay with
/// its connection, blocked in a read (a kept-alive FastCGI connection between requests), as long as another
/// thread is left accepting. Threads are added while none is free to accept, up to <see cref="MaxThreads"/>, and
/// leave when more than <see cref="MaxIdle"/> wait.
/// </summary>
internal sealed class AcceptorThreads : IDisposable
{
    private readonly Socket _listen;
    private readonly Action<Socket> _serve;
    private readonly Func<CancellationToken, bool> _takeSlot;
    private readonly Action _releaseSlot;
    private readonly string _name;
    private readonly List<IoThread> _threads = [];
    private readonly CancellationTokenSource _stopping = new();
    private int _total;
    private int _idle;
    private int _accepting;

    /// <param name="listen">The listening socket, non-blocking.</param>
    /// <param name="name">The threads' name.</param>
    /// <param name="maxThreads">Most threads (Bridge:Limits:MaxIoThreads).</param>
    /// <param name="serve">Runs an accepted connection inline, on the accepting thread.</param>
    /// <param name="takeSlot">Waits for a connection slot (false when stopping).</param>
    /// <param name="releaseSlot">Gives back a slot taken for a connection that was never accepted.</param>
    public AcceptorThreads(Socket listen, string name, int maxThreads, Action<Socket> serve, Func<CancellationToken, bool> takeSlot, Action releaseSlot)
    {
        _listen = listen;
        _name = name;
        MaxThreads = Math.Max(2, maxThreads);
        MaxIdle = Math.Max(2, Environment.ProcessorCount);
        _serve = serve;
        _takeSlot = takeSlot;
        _releaseSlot = releaseSlot;
    }

    public int MaxThreads { get; }

    public int MaxIdle { get; }

    /// <summary>Threads alive (accepting or serving).</summary>
    public int ThreadCount => Volatile.Read(ref _total);

    public void Start()
    {
        for (var i = 0; i < MaxIdle; i++)
        {
            TrySpawn();
        }
    }

    /// <summary>
    /// Called by a thread about to block in a read of its connection: true if it may (another thread is free to
    /// accept, or one was added); false when the set is at its limit, so the connection goes asynchronous.
    /// </summary>
    public bool TryReserveBlockingRead() => !_stopping.IsCancellationRequested && (Volatile.Read(ref _idle) > 0 || TrySpawn());

    /// <summary>No thread waits for or takes new connections once this returns; threads serving one finish it.</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        lock (_threads)
        {
            foreach (var thread in _threads)
            {
                thread.Wake();
            }
        }

        for (var i = 0; i < 500 && Volatile.Read(ref _accepting) > 0; i++)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private bool TrySpawn()
    {
        if (Interlocked.Increment(ref _total) > MaxThreads)
        {
            Interlocked.Decrement(ref _total);
            return false;
        }

        Interlocked.Increment(ref _idle); // counted as free from now: concurrent callers do not all spawn
        var thread = new IoThread(this);
        lock (_threads)
        {
            _threads.Add(thread);
        }

        new Thread(() => thread.Run(Loop)) { IsBackground = true, Name = _name }.UnsafeStart();
        return true;
    }

    private void Loop(IoThread thread)
    {
        var token = _stopping.Token;
        var epollFd = -1;
        var idle = true; // counted in _idle (by TrySpawn) until it serves
        Interlocked.Increment(ref _accepting);
        try
        {
            epollFd = Native.CreateAcceptSet((int)_listen.Handle, thread.WakeFd);
            while (!token.IsCancellationRequested && _takeSlot(token))
            {
                var socket = AcceptOne(thread, epollFd, token);
                if (socket is null)
                {
                    _releaseSlot();
                    continue;
                }

                idle = false;
                if (Interlocked.Decrement(ref _idle) == 0)
                {
                    TrySpawn(); // keep a thread accepting while this one serves
                }

                Interlocked.Decrement(ref _accepting);
                try
                {
                    _serve(socket);
                }
                finally
                {
                    Interlocked.Increment(ref _accepting);
                }

                idle = true;
                if (Interlocked.Increment(ref _idle) > MaxIdle)
                {
                    break; // enough others wait
                }
            }
        }
        finally
        {
            if (idle)
            {
                Interlocked.Decrement(ref _idle);
            }

            Interlocked.Decrement(ref _total);
            Native.Close(epollFd);
            lock (_threads)
            {
                _threads.Remove(thread);
            }

            Interlocked.Decrement(ref _accepting);
        }
    }

    // Waits until the listening socket is readable and takes one connection; null when woken or raced.
    private Socket? AcceptOne(IoThread thread, int epollFd, CancellationToken token)
    {
        if (!Native.WaitAcceptSet(epollFd))
        {
            Native.Drain(thread.WakeFd);
            return null;
        }

        if (token.IsCancellationRequested)
        {
            return null; // an inherited socket's queue belongs to the other workers once this one stops
        }

        try
        {
            return _listen.Accept();
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.TryAgain or SocketError.ConnectionAborted or SocketError.Interrupted)
        {
            return null;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Listener closed or out of descriptors (EMFILE): pause so a persistent error does not spin.
            if (!token.IsCancellationRequested)
            {
                Thread.Sleep(10);
            }

            return null;
        }
    }
}
