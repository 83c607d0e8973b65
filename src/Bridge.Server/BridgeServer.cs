using Bridge.Server.Connections;
using Bridge.Server.Gateway;
using Bridge.Server.Listeners;
using Bridge.Server.Logging;
using Bridge.Server.Metrics;
using Bridge.Server.Options;
using Microsoft.Extensions.Logging;

namespace Bridge.Server;

/// <summary>
/// The server: listens on the configured sockets, serves uwsgi and FastCGI connections with the application,
/// and stops gracefully. Hosting (<c>AddBridge()</c>) runs it as a hosted service; it can also be used directly.
/// </summary>
public sealed class BridgeServer : IAsyncDisposable
{
    private readonly ServerContext _server;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ConnectionManager _connections;
    private readonly List<Listener> _listeners = [];
    private int _state; // 0 new, 1 started, 2 stopped

    /// <summary>Creates a server; nothing is bound until <see cref="StartAsync"/>.</summary>
    public BridgeServer(BridgeOptions options, IGatewayApplication application, ILoggerFactory loggerFactory, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(application);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _loggerFactory = loggerFactory;
        _server = new ServerContext(options, application, loggerFactory, timeProvider ?? TimeProvider.System);
        _connections = new ConnectionManager(_server);
    }

    /// <summary>The addresses listened on, as bound (e.g. <c>unix:/run/app.sock</c>, <c>tcp:127.0.0.1:9000</c>).</summary>
    public IReadOnlyList<string> Addresses => _listeners.Select(l => l.BoundAddress).ToArray();

    /// <summary>Open connections.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>The dedicated I/O threads alive across the listeners.</summary>
    internal int IoThreadCount => _listeners.Sum(l => l.IoThreadCount);

    /// <summary>Request counters (requests, in flight, exceptions, time), for a supervisor or a dashboard.</summary>
    public ServerStatistics Statistics => _server.Statistics;

    /// <summary>Binds every listener (all or none) and starts accepting.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The server has already been started.");
        }

        if (!FrontEndAllowList.TryCreate(_server.Options.AllowedFrontEnds, Environment.GetEnvironmentVariable(FrontEndAllowList.EnvironmentVariable), out var allowList, out var errors))
        {
            throw new InvalidOperationException("Bridge:AllowedFrontEnds is invalid: " + string.Join("; ", errors));
        }

        try
        {
            foreach (var options in _server.Options.Listeners)
            {
                _listeners.Add(await Listener.BindAsync(_server, _connections, allowList!, options, cancellationToken).ConfigureAwait(false));
            }
        }
        catch
        {
            await CloseListenersAsync().ConfigureAwait(false);
            Volatile.Write(ref _state, 2); // never started: nothing to stop, no "Stopping" line after the failure
            throw;
        }

        var budget = _server.Descriptors;
        if (budget.MaxConnections < _server.Limits.MaxConcurrentConnections || budget.MaxIoThreads < _server.Limits.MaxIoThreads)
        {
            _server.HostingLogger.DescriptorBudgetLowered(budget.OpenFilesLimit, budget.MaxConnections, budget.MaxIoThreads, _server.Limits.MaxConcurrentConnections, _server.Limits.MaxIoThreads);
        }

        _server.Events.Start(); // its thread exists before any descriptor pressure: starting one later may fail
        _server.Reserve.Fill();
        foreach (var listener in _listeners)
        {
            listener.Start();
        }
    }

    /// <summary>
    /// Graceful stop: no new connections (socket files removed first), in-flight requests finish within
    /// Bridge:Limits:ShutdownTimeout (or until <paramref name="cancellationToken"/> fires), idle connections close.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }

        await CloseListenersAsync().ConfigureAwait(false);
        await _connections.StopAsync(_server.Limits.ShutdownTimeout, cancellationToken).ConfigureAwait(false);
        _server.HostingLogger.Stopped();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _connections.DisposeAsync().ConfigureAwait(false);
    }

    private async Task CloseListenersAsync()
    {
        foreach (var listener in _listeners)
        {
            await listener.StopAsync().ConfigureAwait(false);
            await listener.DisposeAsync().ConfigureAwait(false);
        }
    }
}
