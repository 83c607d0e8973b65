using System.Collections.Concurrent;
using Bridge.Server.Logging;
using Microsoft.Extensions.Logging;

namespace Bridge.Server.Transport;

/// <summary>
/// Tells a connection that its peer closed or reset it while nobody reads it: a uwsgi app still running when nginx
/// gives up (its client went away) learns of it through <see cref="SocketConnection.ConnectionClosed"/>. One thread
/// per server waits in one epoll set for EPOLLRDHUP (and hang-ups, errors) of the watched sockets, never for data:
/// request body bytes the app has not read yet do not hide a close behind them, as a zero-byte receive would.
/// Started on first use; a socket is watched once and unwatched before its descriptor is closed.
/// </summary>
internal sealed class CloseWatcher : IDisposable
{
    private const ulong WakeKey = 0;

    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ulong, SocketConnection> _watched = new();
    private readonly Lock _startLock = new();
    private int _epollFd = -1;
    private int _wakeFd = -1;
    private long _lastKey;
    private bool _failed;
    private volatile bool _disposed;

    public CloseWatcher(ILogger logger) => _logger = logger;

    /// <summary>Watches <paramref name="connection"/>; returns its key for <see cref="Unwatch"/>, or 0 if it cannot be watched.</summary>
    public ulong Watch(SocketConnection connection)
    {
        if (!EnsureStarted())
        {
            return 0;
        }

        var key = (ulong)Interlocked.Increment(ref _lastKey);
        _watched[key] = connection;
        if (!Native.WatchClose(_epollFd, connection.Fd, key))
        {
            _watched.TryRemove(key, out _);
            return 0;
        }

        return key;
    }

    /// <summary>Stops watching; before the connection's descriptor is closed (a closed one may be reused at once).</summary>
    public void Unwatch(SocketConnection connection, ulong key)
    {
        if (key == 0)
        {
            return;
        }

        _watched.TryRemove(key, out _);
        Native.Unwatch(_epollFd, connection.Fd);
    }

    public void Dispose()
    {
        lock (_startLock)
        {
            _disposed = true;
            if (_wakeFd >= 0)
            {
                Native.Signal(_wakeFd); // the thread closes the descriptors as it leaves
            }
        }
    }

    private bool EnsureStarted()
    {
        if (Volatile.Read(ref _epollFd) >= 0)
        {
            return true;
        }

        lock (_startLock)
        {
            if (_epollFd >= 0 || _failed || _disposed)
            {
                return _epollFd >= 0;
            }

            try
            {
                _wakeFd = Native.CreateEventFd();
                _epollFd = Native.CreateCloseWatchSet(_wakeFd);
                new Thread(Run) { IsBackground = true, Name = "Bridge close watch" }.UnsafeStart();
                return true;
            }
            catch (NativeException ex)
            {
                // Out of descriptors, most likely: requests still run, they only miss an early abort signal.
                _failed = true;
                Native.Close(_wakeFd);
                _wakeFd = -1;
                _logger.CloseWatchUnavailable(ex.Message);
                return false;
            }
        }
    }

    private void Run()
    {
        Span<ulong> keys = stackalloc ulong[64];
        try
        {
            while (!_disposed)
            {
                var count = Native.WaitClosed(_epollFd, keys);
                for (var i = 0; i < count; i++)
                {
                    if (keys[i] != WakeKey && _watched.TryRemove(keys[i], out var connection))
                    {
                        connection.OnPeerClosed();
                    }
                }
            }
        }
        catch (Exception ex)
        {
            _logger.CloseWatchUnavailable(ex.Message);
        }
        finally
        {
            lock (_startLock)
            {
                Native.Close(_epollFd);
                Native.Close(_wakeFd);
                _epollFd = _wakeFd = -1;
                _failed = true;
            }
        }
    }
}
