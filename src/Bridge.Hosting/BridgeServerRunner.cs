using Bridge.Server;
using Bridge.Server.Gateway;
using Bridge.Server.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bridge.Hosting;

/// <summary>
/// A Bridge server started and stopped as both hosts do it (<c>AddBridge()</c> on the generic host, <c>UseBridge()</c>
/// in ASP.NET Core): the options are validated when it starts, and a problem with them or with a listener becomes one
/// <see cref="BridgeStartException"/> (exit code 1 when nothing handles it); once it accepts, a worker of
/// <c>dotnet-bridge run</c> tells its supervisor (<see cref="SupervisorAgent"/>), and tells it again when the stop begins.
/// </summary>
public sealed class BridgeServerRunner : IAsyncDisposable
{
    private readonly IOptions<BridgeOptions> _options;
    private readonly Func<BridgeOptions, IGatewayApplication> _application;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private SupervisorAgent? _agent;

    /// <param name="options">Bridge's options (read, so validated, at start).</param>
    /// <param name="application">Makes the application once the options are known.</param>
    /// <param name="loggerFactory">The host's loggers.</param>
    /// <param name="time">The clock.</param>
    public BridgeServerRunner(IOptions<BridgeOptions> options, Func<BridgeOptions, IGatewayApplication> application, ILoggerFactory loggerFactory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(application);
        _options = options;
        _application = application;
        _loggerFactory = loggerFactory;
        _time = time;
    }

    /// <summary>The server, once started.</summary>
    public BridgeServer? Server { get; private set; }

    /// <summary>Validates the options, binds the listeners and starts accepting; then reports to a supervisor, if any.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => StartFailure.RunAsync(async () =>
    {
        var options = _options.Value;
        Server = new BridgeServer(options, _application(options), _loggerFactory, _time);
        await Server.StartAsync(cancellationToken).ConfigureAwait(false);
        _agent = SupervisorAgent.Start(Server, _time); // under `dotnet-bridge run`: this worker accepts now
    });

    /// <summary>Tells a supervisor the stop begins, then stops the server gracefully.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_agent is { } agent)
        {
            _agent = null;
            agent.Stopping();
            await agent.DisposeAsync().ConfigureAwait(false);
        }

        if (Server is { } server)
        {
            await server.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_agent is { } agent)
        {
            await agent.DisposeAsync().ConfigureAwait(false);
        }

        if (Server is { } server)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
