using Bridge.Integration.Tests.Fixtures;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;

namespace Bridge.Integration.Tests.Containers;

/// <summary>
/// Scale-out across hosts, each host a container: app containers (the app image: Echo, self-contained, uid 1654) on a
/// <see cref="PrivateNetwork"/> with fixed addresses, each listening on <c>tcp:0.0.0.0:9000</c> (protocol auto) with
/// <c>Bridge:AllowedFrontEnds</c> set to the network's range; and nginx in a container on the same network
/// (nginx/templates/container-scale-out.conf.template: one upstream of the three per protocol).
/// </summary>
internal sealed class ScaleOutStack : IAsyncDisposable
{
    public const int AppPort = 9000;
    private const int NginxHost = 2;      // nginx's address on the network; the gateway is 1
    private const int FirstAppHost = 10;  // the apps': 10, 11, 12
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly List<IContainer> _apps = [];
    private ContainerNginx? _nginx;

    private ScaleOutStack(PrivateNetwork network)
    {
        Network = network;
    }

    public PrivateNetwork Network { get; }

    public IReadOnlyList<IContainer> Apps => _apps;

    public ContainerNginx Nginx => _nginx ?? throw new InvalidOperationException("This stack has no nginx.");

    /// <summary>Talks to nginx's published loopback ports; up to 64 connections.</summary>
    public HttpClient Client { get; } = FrontEndClient.Create(
        timeout: TimeSpan.FromSeconds(30), pooledConnectionIdleTimeout: TimeSpan.FromSeconds(30), maxConnectionsPerServer: 64);

    /// <summary>The network, <paramref name="apps"/> app containers listening, and, for three apps, nginx in front of them.</summary>
    public static async Task<ScaleOutStack> StartAsync(int apps)
    {
        var stack = new ScaleOutStack(await PrivateNetwork.CreateAsync("scale-out"));
        try
        {
            for (var i = 0; i < apps; i++)
            {
                stack._apps.Add(stack.BuildApp(stack.Network.Address(FirstAppHost + i))); // Apps[i] is at AddressOf(i)
            }

            await Task.WhenAll(stack._apps.Select(async app =>
            {
                await app.StartAsync();
                await DockerEngine.WaitForLogAsync(app, $"Listening on tcp:0.0.0.0:{AppPort}", StartTimeout);
            }));
            if (apps == 3)
            {
                stack._nginx = new ContainerNginx(builder => OnNetwork(builder, stack.Network, stack.Network.Address(NginxHost)));
                await stack._nginx.StartAsync("container-scale-out.conf.template", new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["APP1_ADDRESS"] = stack.AddressOf(0),
                    ["APP2_ADDRESS"] = stack.AddressOf(1),
                    ["APP3_ADDRESS"] = stack.AddressOf(2),
                });
            }

            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary><c>ip:9000</c> of app <paramref name="index"/> (0-based), as nginx names it in $upstream_addr.</summary>
    public string AddressOf(int index) => $"{Network.Address(FirstAppHost + index)}:{AppPort}";

    public Uri Url(string portName, string pathAndQuery) => new(Nginx.BaseAddress(portName), pathAndQuery);

    /// <summary><c>docker start</c> of a stopped or killed app, then waits until it listens again.</summary>
    public static async Task RestartAsync(IContainer app)
    {
        var listeningBefore = CountListening(await DockerEngine.LogsAsync(app));
        await app.StartAsync();
        var deadline = DateTime.UtcNow + StartTimeout;
        while (CountListening(await DockerEngine.LogsAsync(app)) == listeningBefore)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"App {app.Name} did not listen again within {StartTimeout.TotalSeconds} s:\n{await DockerEngine.LogsAsync(app)}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_nginx is not null)
        {
            await _nginx.DisposeAsync();
        }

        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }

        await Network.DisposeAsync();
    }

    /// <summary>A container on <paramref name="network"/> at a fixed <paramref name="address"/>.</summary>
    public static ContainerBuilder OnNetwork(ContainerBuilder builder, PrivateNetwork network, string address) =>
        builder.WithNetwork(network.Network).WithCreateParameterModifier(p =>
            p.NetworkingConfig!.EndpointsConfig![network.Name].IPAMConfig = new EndpointIPAMConfig { IPv4Address = address });

    private static int CountListening(string logs) => logs.Split('\n').Count(l => l.Contains($"Listening on tcp:0.0.0.0:{AppPort}", StringComparison.Ordinal));

    private IContainer BuildApp(string address) =>
        OnNetwork(DockerEngine.Container(ContainerImages.App), Network, address)
            .WithEnvironment("Bridge__AllowedFrontEnds__0", Network.Subnet)
            .WithCommand("--listen", $"tcp:0.0.0.0:{AppPort}", "--access-log", "off")
            // docker stop: SIGTERM, and SIGKILL only after 40 s, above Bridge's Limits:ShutdownTimeout (30 s).
            .WithCreateParameterModifier(p => p.StopTimeout = TimeSpan.FromSeconds(40))
            .Build();
}
