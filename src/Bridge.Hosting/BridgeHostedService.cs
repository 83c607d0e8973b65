using Bridge.Server.Gateway;
using Bridge.Server.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bridge.Hosting;

/// <summary>
/// Runs Bridge for the host's lifetime. SIGTERM and SIGINT stop the host, which stops Bridge gracefully: no new
/// connections, in-flight requests finish, idle connections close, socket files go.
/// </summary>
internal sealed class BridgeHostedService(
    IOptions<BridgeOptions> options,
    IGatewayApplication application,
    ILoggerFactory loggerFactory,
    TimeProvider timeProvider) : IHostedService, IAsyncDisposable
{
    private readonly BridgeServerRunner _runner = new(options, _ => application, loggerFactory, timeProvider);

    public Task StartAsync(CancellationToken cancellationToken) => _runner.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => _runner.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _runner.DisposeAsync();
}
