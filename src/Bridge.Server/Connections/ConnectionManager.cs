using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Bridge.Server.Connections;

/// <summary>
/// The open connections of one server: the connection limit, one heartbeat (a single timer, once a second) that
/// checks every connection's timeouts, and the graceful stop.
/// </summary>
internal sealed class ConnectionManager : IAsyncDisposable
{
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);

    private readonly ServerContext _server;
    private readonly ConcurrentDictionary<long, BridgeConnection> _connections = new();
    private readonly SemaphoreSlim _slots;
    private readonly ITimer _heartbeat;
    private long _lastNumber;
    private int _limitLogged;

    public ConnectionManager(ServerContext server)
    {
        _server = server;
        _slots = new SemaphoreSlim(server.Limits.MaxConcurrentConnections, server.Limits.MaxConcurrentConnections);
        UwsgiProcessors = new ProcessorPool<UwsgiRequestProcessor>(
            () => new UwsgiRequestProcessor(server), static (p, c) => p.ProcessAsync(c), static p => p.Reusable, static p => p.Recycle(), 1024);
        FastCgiProcessors = new ProcessorPool<FastCgiConnectionProcessor>(
            () => new FastCgiConnectionProcessor(server), static (p, c) => p.ProcessAsync(c), static p => p.Reusable, static p => p.Recycle(), 1024);
        _heartbeat = server.Time.CreateTimer(static state => ((ConnectionManager)state!).OnHeartbeat(), this, HeartbeatInterval, HeartbeatInterval);
    }

    public ProcessorPool<UwsgiRequestProcessor> UwsgiProcessors { get; }

    public ProcessorPool<FastCgiConnectionProcessor> FastCgiProcessors { get; }

    public int Count => _connections.Count;

    /// <summary>
    /// Takes a connection slot, blocking the calling I/O thread while none is free (new connections then wait in
    /// the listen queue); false when <paramref name="cancellationToken"/> fires first.
    /// </summary>
    public bool TakeSlot(CancellationToken cancellationToken)
    {
        if (_slots.Wait(0, CancellationToken.None))
        {
            return true;
        }

        if (Interlocked.Exchange(ref _limitLogged, 1) == 0)
        {
            Logging.ConnectionLog.ConnectionLimitReached(_server.ConnectionLogger, _server.Limits.MaxConcurrentConnections);
        }

        try
        {
            _slots.Wait(cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void ReleaseSlot() => _slots.Release();

    /// <summary>Registers an accepted connection (it holds a slot); the caller runs it.</summary>
    public BridgeConnection Add(ConnectionContext transport, ListenerInfo listener)
    {
        var connection = new BridgeConnection(Interlocked.Increment(ref _lastNumber), transport, listener, _server, this);
        _connections[connection.Number] = connection;
        return connection;
    }

    public void Remove(BridgeConnection connection)
    {
        if (_connections.TryRemove(connection.Number, out _))
        {
            _slots.Release();
        }
    }

    /// <summary>Asks every connection to finish what is in flight; waits up to <paramref name="timeout"/>, then aborts the rest.</summary>
    public async Task StopAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var open = _connections.Values.ToArray();
        Logging.HostingLog.Stopping(_server.HostingLogger, timeout, open.Length);
        foreach (var connection in open)
        {
            connection.RequestStop();
        }

        var all = Task.WhenAll(open.Select(c => c.Completion.Task));
        try
        {
            await all.WaitAsync(timeout, _server.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            var left = _connections.Values.ToArray();
            Logging.HostingLog.StopTimedOut(_server.HostingLogger, timeout, left.Length);
            foreach (var connection in left)
            {
                connection.Abort("The server is stopping and its shutdown timeout passed.");
            }

            await Task.WhenAll(left.Select(c => c.Completion.Task)).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _heartbeat.DisposeAsync().ConfigureAwait(false);
        _slots.Dispose();
    }

    private void OnHeartbeat()
    {
        var now = _server.Time.GetTimestamp();
        foreach (var connection in _connections.Values)
        {
            connection.OnHeartbeat(now);
        }
    }
}
