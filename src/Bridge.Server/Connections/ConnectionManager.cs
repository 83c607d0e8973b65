using System.Collections.Concurrent;
using Bridge.Server.Transport;

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
        var slots = server.Descriptors.MaxConnections;
        _slots = new SemaphoreSlim(slots, slots);
        UwsgiProcessors = new ProcessorPool<UwsgiRequestProcessor>(() => new UwsgiRequestProcessor(server), 1024);
        FastCgiProcessors = new ProcessorPool<FastCgiConnectionProcessor>(() => new FastCgiConnectionProcessor(server), 1024);
        _heartbeat = server.Time.CreateTimer(static state => ((ConnectionManager)state!).OnHeartbeat(), this, HeartbeatInterval, HeartbeatInterval);
    }

    public ProcessorPool<UwsgiRequestProcessor> UwsgiProcessors { get; }

    public ProcessorPool<FastCgiConnectionProcessor> FastCgiProcessors { get; }

    /// <summary>Called on every heartbeat besides the connections' own checks (the listeners' thread upkeep).</summary>
    public event Action? Heartbeat;

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
            Logging.ConnectionLog.ConnectionLimitReached(_server.ConnectionLogger, _server.Descriptors.MaxConnections);
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
    public BridgeConnection Add(SocketConnection transport, ListenerInfo listener)
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

    /// <summary>
    /// Asks every connection to finish what is in flight; waits up to <paramref name="timeout"/>, then aborts the rest.
    /// Upgraded connections (WebSockets) have no end of their own in sight: they are left to end until the timeout
    /// is nearly over, then told to go away (<see cref="ServerContext.GoingAway"/>: registered WebSockets are closed
    /// with 1001) with min(5 s, half the timeout) left for their close handshakes, and cut at the timeout.
    /// </summary>
    public async Task StopAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var open = _connections.Values.ToArray();
        Logging.HostingLog.Stopping(_server.HostingLogger, timeout, open.Length);
        foreach (var connection in open)
        {
            connection.RequestStop();
        }

        var all = Task.WhenAll(open.Select(c => c.Completion.Task));
        var closing = GoingAwayAllowance(timeout);
        try
        {
            try
            {
                await all.WaitAsync(timeout - closing, _server.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                GoAway(timeout - closing);
                await all.WaitAsync(closing, _server.Time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            GoAway(timeout); // cancelled by the host: a last chance for a 1001 before the cut
            var left = _connections.Values.ToArray();
            Logging.HostingLog.StopTimedOut(_server.HostingLogger, timeout, left.Length);
            foreach (var connection in left)
            {
                connection.Abort("The server is stopping and its shutdown timeout passed.");
            }

            try
            {
                await Task.WhenAll(left.Select(c => c.Completion.Task)).WaitAsync(TimeSpan.FromSeconds(5), _server.Time, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // An app that ignores cancellation keeps its connection; the stop goes on without it.
                Logging.ConnectionLog.ConnectionsOutlivedStop(_server.ConnectionLogger, _connections.Count);
            }
        }
    }

    /// <summary>How long before the end of the stop upgraded connections are told to go away: min(5 s, half of it).</summary>
    public static TimeSpan GoingAwayAllowance(TimeSpan timeout)
        => timeout <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, timeout.Ticks / 2));

    private void GoAway(TimeSpan elapsed)
    {
        var going = _server.GoingAway;
        if (going.IsCancellationRequested)
        {
            return;
        }

        if (_server.Statistics.Upgraded is var upgraded and > 0)
        {
            Logging.HostingLog.GoingAway(_server.HostingLogger, upgraded, elapsed);
        }

        try
        {
            going.Cancel(); // registered WebSockets send their 1001 from here (their sends do not block)
        }
        catch (AggregateException ex)
        {
            Logging.HostingLog.GoingAwayCallbackFailed(_server.HostingLogger, ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _heartbeat.DisposeAsync().ConfigureAwait(false);
        _server.Events.Dispose();
        _server.Reserve.Dispose();

        // _slots is not disposed: a connection that outlived the stop (its app ignores cancellation) still gives
        // its slot back when it ends, and a SemaphoreSlim that never handed out a wait handle holds nothing.
    }

    private void OnHeartbeat()
    {
        var now = _server.Time.GetTimestamp();
        foreach (var connection in _connections.Values)
        {
            connection.OnHeartbeat(now);
        }

        Heartbeat?.Invoke();
    }
}
