using System.Net.Sockets;
using Bridge.Server.Logging;
using Microsoft.Extensions.Logging;

namespace Bridge.Server.Transport;

/// <summary>
/// The dedicated threads of one listening socket. Each waits in its own epoll set (EPOLLEXCLUSIVE: one thread woken
/// per connection), accepts, and serves the connection inline until it would wait for the network or the app;
/// then the connection continues on the thread pool and the thread accepts again. A thread may also stay with
/// its connection, blocked in a read (a kept-alive FastCGI connection between requests), as long as another
/// thread is left accepting. While none is free to accept, another joins, up to <see cref="MaxThreads"/>: the most
/// recently parked one, or a new one. At most <see cref="MaxIdle"/> wait for connections; a thread that finishes
/// while enough wait parks (most recently parked first out, so a burst reuses warm threads, not new ones) and
/// ends after <see cref="IdleTimeoutMs"/> parked.
/// A failure on a thread never ends the process: running out of descriptors (EMFILE, ENFILE) on accept is logged
/// once and retried as descriptors free up; a thread that fails otherwise is logged and replaced (at the latest by
/// <see cref="EnsureAccepting"/>, which the heartbeat calls), and the counts stay true.
/// </summary>
internal sealed class AcceptorThreads : IDisposable
{
    /// <summary>How long a surplus thread stays parked (or waits for a connection) before it leaves.</summary>
    public const int DefaultIdleTimeoutMs = 10_000;

    private const int DescriptorLimitBackoffMs = 100;
    private const int ShortageLogIntervalMs = 60_000;

    private readonly Socket _listen;
    private readonly ILogger _logger;
    private readonly Action<Socket> _serve;
    private readonly Func<CancellationToken, bool> _takeSlot;
    private readonly Action _releaseSlot;
    private readonly string _name;
    private readonly List<IoThread> _threads = [];
    private readonly List<IoThread> _parked = []; // a stack: the last parked is the first taken
    private readonly CancellationTokenSource _stopping = new();
    private int _total;
    private int _idle;
    private int _accepting;
    private readonly DescriptorReserve _reserve;
    private long _shortageLoggedAt = long.MinValue / 2;
    private int _recoveryDue;
    private int _spawnFailureLogged;

    /// <param name="listen">The listening socket, non-blocking.</param>
    /// <param name="name">The threads' name.</param>
    /// <param name="maxThreads">Most threads (Bridge:Limits:MaxIoThreads).</param>
    /// <param name="serve">Runs an accepted connection inline, on the accepting thread.</param>
    /// <param name="takeSlot">Waits for a connection slot (false when stopping).</param>
    /// <param name="releaseSlot">Gives back a slot taken for a connection that was never accepted.</param>
    /// <param name="idleTimeoutMs">How long a surplus thread stays before it ends.</param>
    /// <param name="logger">Where thread failures and the descriptor limit are reported.</param>
    /// <param name="reserve">The server's spare descriptors, let go when they run out (see <see cref="DescriptorReserve"/>).</param>
    public AcceptorThreads(Socket listen, string name, int maxThreads, Action<Socket> serve, Func<CancellationToken, bool> takeSlot, Action releaseSlot, int idleTimeoutMs = DefaultIdleTimeoutMs, ILogger? logger = null, DescriptorReserve? reserve = null)
    {
        _reserve = reserve ?? new DescriptorReserve();
        IdleTimeoutMs = idleTimeoutMs;
        _listen = listen;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _name = name;
        MaxThreads = Math.Max(2, maxThreads);
        MaxIdle = Math.Max(2, Environment.ProcessorCount);
        _serve = serve;
        _takeSlot = takeSlot;
        _releaseSlot = releaseSlot;
    }

    public int MaxThreads { get; }

    public int MaxIdle { get; }

    public int IdleTimeoutMs { get; }

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

    /// <summary>
    /// Adds a thread if none is free to accept and the limit allows (threads lost to failures, or a spawn that
    /// failed for want of descriptors). Called by the heartbeat.
    /// </summary>
    public void EnsureAccepting()
    {
        if (!_stopping.IsCancellationRequested && Volatile.Read(ref _idle) == 0)
        {
            TrySpawn();
        }
    }

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
        lock (_parked)
        {
            if (_parked.Count > 0)
            {
                var parked = _parked[^1];
                _parked.RemoveAt(_parked.Count - 1);
                Interlocked.Increment(ref _idle); // counted as free from now, as a new thread would be
                parked.Unparked = true;
                parked.Wake();
                return true;
            }
        }

        if (!ReserveIsWhole())
        {
            return false; // out of descriptors lately: a new thread's eventfd and epoll set would eat the runtime's share
        }

        if (Interlocked.Increment(ref _total) > MaxThreads)
        {
            Interlocked.Decrement(ref _total);
            return false;
        }

        Interlocked.Increment(ref _idle); // counted as free from now: concurrent callers do not all spawn
        IoThread? thread = null;
        try
        {
            thread = new IoThread(this); // its eventfd: fails when out of descriptors
            lock (_threads)
            {
                _threads.Add(thread);
            }

            new Thread(() => thread.Run(Loop)) { IsBackground = true, Name = _name }.UnsafeStart();
            Volatile.Write(ref _spawnFailureLogged, 0);
            return true;
        }
        catch (Exception ex) when (ex is NativeException or OutOfMemoryException or ThreadStartException)
        {
            // Not counted after all; the heartbeat tries again (EnsureAccepting). Out of descriptors (a thread's
            // eventfd, or the runtime's own start of the thread), the reserve goes so the runtime can go on.
            if (ex is not NativeException { IsDescriptorLimit: false })
            {
                OnDescriptorsExhausted(ex.Message);
            }

            if (thread is not null)
            {
                lock (_threads)
                {
                    _threads.Remove(thread);
                }

                thread.End();
            }

            Interlocked.Decrement(ref _idle);
            Interlocked.Decrement(ref _total);
            if (Interlocked.Exchange(ref _spawnFailureLogged, 1) == 0)
            {
                _logger.IoThreadSpawnFailed(_name, ex.Message);
            }

            return false;
        }
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
            Serve(thread, epollFd, token, ref idle);
        }
        catch (NativeException ex) when (ex.IsDescriptorLimit)
        {
            OnDescriptorsExhausted(ex.Message); // its epoll set could not be made: the thread ends, the heartbeat adds one
        }
        catch (Exception ex)
        {
            // Whatever else failed (an epoll error, a bug), this thread ends and the process goes on: another thread
            // accepts, or the heartbeat adds one.
            _logger.IoThreadFailed(_name, ex);
        }
        finally
        {
            if (idle)
            {
                Interlocked.Decrement(ref _idle);
            }

            lock (_parked)
            {
                _parked.Remove(thread);
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

    private void Serve(IoThread thread, int epollFd, CancellationToken token, ref bool idle)
    {
        while (!token.IsCancellationRequested && _takeSlot(token))
        {
            var socket = AcceptOne(thread, epollFd, token, out var timedOut);
            if (socket is null)
            {
                _releaseSlot();
                if (timedOut && Volatile.Read(ref _idle) > MaxIdle)
                {
                    break; // idle for a while, and enough others wait
                }

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
            catch (Exception ex)
            {
                _logger.IoThreadFailed(_name, ex); // the connection's own code catches what it expects
            }
            finally
            {
                Interlocked.Increment(ref _accepting);
            }

            if (!ReturnToIdle(thread, epollFd, token))
            {
                break; // parked for too long, or stopping
            }

            idle = true;
        }
    }

    // After serving: counts itself free, unless MaxIdle others already are (decided atomically, so threads that
    // finish together cannot all park); then it parks. True when it is free (again), false when it is to end.
    private bool ReturnToIdle(IoThread thread, int epollFd, CancellationToken token)
    {
        while (true)
        {
            var idle = Volatile.Read(ref _idle);
            if (idle >= MaxIdle)
            {
                return Park(thread, epollFd, token);
            }

            if (Interlocked.CompareExchange(ref _idle, idle + 1, idle) == idle)
            {
                return true;
            }
        }
    }

    // Waits to be taken again by TrySpawn: true when taken (counted free by the taker), false after the idle
    // timeout or at stop (the thread ends). A thread that hits zero free ones always calls TrySpawn, so parking
    // never leaves the listener without a thread.
    private bool Park(IoThread thread, int epollFd, CancellationToken token)
    {
        // Out of the listening socket's wait queue while parked: each connection's wake-up walks that queue.
        Native.SetListening(epollFd, (int)_listen.Handle, listening: false);
        lock (_parked)
        {
            thread.Unparked = false;
            _parked.Add(thread);
        }

        while (true)
        {
            var signalled = Native.WaitSignal(thread.WakeFd, IdleTimeoutMs);
            Native.Drain(thread.WakeFd);
            lock (_parked)
            {
                if (thread.Unparked)
                {
                    try
                    {
                        Native.SetListening(epollFd, (int)_listen.Handle, listening: true);
                    }
                    catch (NativeException ex)
                    {
                        // Counted free by its taker: it stays, and ends after its idle timeout if it cannot accept.
                        _logger.IoThreadFailed(_name, ex);
                    }

                    return true;
                }

                if (!signalled || token.IsCancellationRequested)
                {
                    _parked.Remove(thread);
                    return false;
                }
            }

            // A late wake-up meant for a connection this thread served before: keep waiting.
        }
    }

    // Waits until the listening socket is readable and takes one connection; null when woken or raced.
    private Socket? AcceptOne(IoThread thread, int epollFd, CancellationToken token, out bool timedOut)
    {
        var ready = Native.WaitAcceptSet(epollFd, IdleTimeoutMs);
        timedOut = ready < 0;
        if (ready <= 0)
        {
            Native.Drain(thread.WakeFd);
            return null;
        }

        if (token.IsCancellationRequested)
        {
            return null; // an inherited socket's queue belongs to the other workers once this one stops
        }

        // Out of descriptors lately: no accept until the reserve is whole again (connections have closed).
        if (!ReserveIsWhole())
        {
            Backoff(thread, DescriptorLimitBackoffMs);
            return null;
        }

        try
        {
            return _listen.Accept();
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.TryAgain or SocketError.ConnectionAborted or SocketError.Interrupted)
        {
            return null;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TooManyOpenSockets || ex.NativeErrorCode is NativeException.TooManyOpenFiles or NativeException.TooManyOpenFilesSystem)
        {
            // The connection stays queued until descriptors free up.
            OnDescriptorsExhausted(ex.Message);
            Backoff(thread, DescriptorLimitBackoffMs);
            return null;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The listener closed (at stop), or another error: pause so a persistent one does not spin.
            if (!token.IsCancellationRequested)
            {
                Backoff(thread, 10);
            }

            return null;
        }
    }

    // True unless a shortage is still on; the recovery from a logged one is logged once.
    private bool ReserveIsWhole()
    {
        if (!_reserve.TryRestore(out var restored))
        {
            return false;
        }

        if (restored && Interlocked.Exchange(ref _recoveryDue, 0) != 0)
        {
            _logger.AcceptingAgain(_name);
        }

        return true;
    }

    // Out of descriptors: the reserve goes and accepting pauses until it is back. A flood that outlasts the reserve
    // makes shortages come and go; they are logged once a minute at most, each logged one with its recovery.
    private void OnDescriptorsExhausted(string reason)
    {
        if (!_reserve.Release())
        {
            return;
        }

        var now = Environment.TickCount64;
        var last = Volatile.Read(ref _shortageLoggedAt);
        if (now - last >= ShortageLogIntervalMs && Interlocked.CompareExchange(ref _shortageLoggedAt, now, last) == last)
        {
            Volatile.Write(ref _recoveryDue, 1);
            _logger.DescriptorLimitReached(_name, reason);
        }
    }

    // A pause that a stop (or a wake-up) cuts short.
    private static void Backoff(IoThread thread, int milliseconds)
    {
        Native.WaitSignal(thread.WakeFd, milliseconds);
        Native.Drain(thread.WakeFd);
    }

}
