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

    public Task StartAsync(CancellationToken cancellationToken) => StartFailure.RunAsync(() =>
    {
        _server = new BridgeServer(options.Value, application, loggerFactory, timeProvider);
        return _server.StartAsync(cancellationToken);
    });

    public Task StopAsync(CancellationToken cancellationToken) => _server?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
