using System.Collections.Concurrent;
using Bridge.Server.Logging;
using Microsoft.Extensions.Logging;

namespace Bridge.Server.Transport;

/// <summary>
/// The one place where connections that are not served inline wait: one epoll set and one thread per server. A
/// connection is added the first time it must wait (a read or a write that would block off its I/O thread, or
/// a close watch) and stays until it closes, edge-triggered for readable, writable and the peer's close
/// (EPOLLRDHUP, which data still unread does not hide, as it would from a zero-byte receive). The thread only
/// completes the connection's waiter; the waiting code then reads or writes itself, non-blocking, into its own
/// buffer: no asynchronous operation ever holds a connection's memory, and every byte sent is counted.
/// </summary>
internal sealed class SocketEvents : IDisposable
{
    private const ulong WakeKey = 0;

    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ulong, SocketConnection> _registered = new();
    private readonly Lock _startLock = new();
    private readonly int _epollFd;
    private readonly int _wakeFd;
    private long _lastKey;
    private bool _started;
    private volatile bool _disposed;

    /// <summary>Creates the epoll set; throws <see cref="NativeException"/> (at server start) when it cannot.</summary>
    public SocketEvents(ILogger logger)
    {
        _logger = logger;
        _wakeFd = Native.CreateEventFd();
        try
        {
            _epollFd = Native.CreateEventSet(_wakeFd);
        }
        catch
        {
            Native.Close(_wakeFd);
            throw;
        }
    }

    /// <summary>The server's spare descriptors (let go when the runtime cannot start a thread).</summary>
    public DescriptorReserve? Reserve { get; init; }

    /// <summary>Starts the thread (the server does at start; a connection's first wait would otherwise).</summary>
    public void Start() => EnsureStarted();

    /// <summary>Adds <paramref name="connection"/>; returns its key. Throws <see cref="NativeException"/> when it cannot be added.</summary>
    public ulong Register(SocketConnection connection)
    {
        EnsureStarted();
        var key = (ulong)Interlocked.Increment(ref _lastKey);
        _registered[key] = connection;
        try
        {
            Native.Register(_epollFd, connection.Fd, key);
        }
        catch
        {
            _registered.TryRemove(key, out _);
            throw;
        }

        return key;
    }

    /// <summary>Removes a connection; before its descriptor is closed (a closed one's number may be reused at once).</summary>
    public void Unregister(SocketConnection connection, ulong key)
    {
        _registered.TryRemove(key, out _);
        Native.Unregister(_epollFd, connection.Fd);
    }

    public void Dispose()
    {
        lock (_startLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_started)
            {
                Native.Signal(_wakeFd); // the thread closes the descriptors as it leaves
            }
            else
            {
                Native.Close(_epollFd);
                Native.Close(_wakeFd);
            }
        }
    }

    private void EnsureStarted()
    {
        if (Volatile.Read(ref _started))
        {
            return;
        }

        lock (_startLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_started)
            {
                new Thread(Run) { IsBackground = true, Name = "Bridge socket events" }.UnsafeStart();
                Volatile.Write(ref _started, true);
            }
        }
    }

    private void Run()
    {
        Span<ulong> keys = stackalloc ulong[64];
        Span<uint> events = stackalloc uint[64];
        try
        {
            while (!_disposed)
            {
                var count = Native.WaitEvents(_epollFd, keys, events);
                for (var i = 0; i < count; i++)
                {
                    if (keys[i] != WakeKey && _registered.TryGetValue(keys[i], out var connection))
                    {
                        try
                        {
                            connection.OnEvents(events[i]);
                        }
                        catch (OutOfMemoryException) when (Reserve?.Release() is not null)
                        {
                            // The thread pool could not start a worker for the waiter's continuation (out of
                            // descriptors: the runtime needs one to start a thread). The work item is queued; the
                            // reserve goes so the runtime can start it, and accepting pauses.
                        }
                    }
                }
            }
        }
        catch (Exception ex)
        {
            // Not expected (epoll_wait fails only on a bad descriptor); connections waiting here are cut, so none hangs.
            _logger.SocketEventsFailed(ex);
            foreach (var connection in _registered.Values)
            {
                connection.Abort("The server's socket event thread failed.");
            }
        }
        finally
        {
            lock (_startLock)
            {
                Native.Close(_epollFd);
                Native.Close(_wakeFd);
            }
        }
    }
}
