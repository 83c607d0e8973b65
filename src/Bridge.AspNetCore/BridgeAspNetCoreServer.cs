using Bridge.Hosting;
using Bridge.Server.Options;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bridge.AspNetCore;

/// <summary>
/// ASP.NET Core's server when <c>UseBridge()</c> is called: requests arrive from nginx over uwsgi or FastCGI on
/// the listeners of the <c>Bridge</c> configuration section. <c>--urls</c>/<c>ASPNETCORE_URLS</c> do not apply.
/// </summary>
internal sealed class BridgeAspNetCoreServer : IServer
{
    private readonly IOptions<BridgeOptions> _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ServerAddressesFeature _addresses = new();
    private BridgeServerRunner? _runner;

    public BridgeAspNetCoreServer(IOptions<BridgeOptions> options, ILoggerFactory loggerFactory, TimeProvider timeProvider, IHostApplicationLifetime lifetime)
    {
        _lifetime = lifetime;
        _options = options;
        _loggerFactory = loggerFactory;
        _timeProvider = timeProvider;
        Features.Set<IServerAddressesFeature>(_addresses);
    }

    public IFeatureCollection Features { get; } = new FeatureCollection();

    public async Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull
    {
        // The options are validated as the runner starts: a problem is a BridgeStartException (exit code 1 when unhandled).
        _runner = new BridgeServerRunner(
            _options, options => new HttpApplicationAdapter<TContext>(application, options.Limits.MaxRequestBodySize, _lifetime.ApplicationStopping), _loggerFactory, _timeProvider);
        await _runner.StartAsync(cancellationToken).ConfigureAwait(false);
        _addresses.Addresses.Clear();
        foreach (var address in _runner.Server!.Addresses)
        {
            _addresses.Addresses.Add(address);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => _runner?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    public void Dispose() => _runner?.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private sealed class ServerAddressesFeature : IServerAddressesFeature
    {
        public ICollection<string> Addresses { get; } = new List<string>();

        public bool PreferHostingUrls { get; set; }
    }
}
