using Bridge.Hosting;
using Bridge.Server.Gateway;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// A Bridge app hosted in the test process the way the README's "Writing an app" does it (<c>BridgeCommandLine</c>,
/// <c>Host.CreateApplicationBuilder</c>, <c>AddBridge(handler)</c>), on a Unix socket nginx's workers may open:
/// for behaviours no Echo route has.
/// </summary>
internal sealed class HostedApp : IAsyncDisposable
{
    private static readonly TimeSpan StartStopTimeout = TimeSpan.FromSeconds(20);

    private readonly IHost _host;

    private HostedApp(IHost host, string socketPath)
    {
        _host = host;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    public static async Task<HostedApp> StartAsync(string socketPath, string protocol, GatewayRequestHandler handler)
    {
        // A request the app never ends (the bug a test looks for) holds the stop 2 s, not the default 30 s.
        List<string> args = ["--listen", "unix:" + socketPath, "--protocol", protocol, "--access-log", "off", "--Bridge:Limits:ShutdownTimeout=00:00:02"];
        if (Posix.IsRoot)
        {
            args.AddRange(["--socket-group", "www-data"]); // nginx's workers run as www-data
        }

        var (bridgeArgs, rest) = BridgeCommandLine.Parse(args);
        var builder = Host.CreateApplicationBuilder(rest);
        builder.Configuration.AddInMemoryCollection(bridgeArgs);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, NoSignalsLifetime>(); // SIGTERM and Ctrl-C stay the test runner's
        builder.Services.AddBridge(handler);
        var host = builder.Build();
        using var timeout = new CancellationTokenSource(StartStopTimeout);
        try
        {
            await host.StartAsync(timeout.Token);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new HostedApp(host, socketPath);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(StartStopTimeout);
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        finally
        {
            _host.Dispose();
        }
    }

    // The console lifetime would take SIGTERM and SIGINT from the test process while the app runs.
    private sealed class NoSignalsLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
