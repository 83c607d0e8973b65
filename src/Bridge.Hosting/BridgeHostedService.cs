using Bridge.Server;
using Bridge.Server.Gateway;
using Bridge.Server.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bridge.Hosting;

/// <summary>
/// Runs <see cref="BridgeServer"/> for the host's lifetime. SIGTERM and SIGINT stop the host, which stops Bridge
/// gracefully: no new connections, in-flight requests finish, idle connections close, socket files go.
/// </summary>
internal sealed class BridgeHostedService(
    IOptions<BridgeOptions> options,
    IGatewayApplication application,
    ILoggerFactory loggerFactory,
    TimeProvider timeProvider) : IHostedService, IAsyncDisposable
{
    private BridgeServer? _server;
    private SupervisorAgent? _agent;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _server = new BridgeServer(options.Value, application, loggerFactory, timeProvider);
        await _server.StartAsync(cancellationToken).ConfigureAwait(false);
        _agent = SupervisorAgent.Start(_server, timeProvider); // under `bridge run`: this worker accepts now
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_agent is { } agent)
        {
            agent.Stopping();
            await agent.DisposeAsync().ConfigureAwait(false);
        }

        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
