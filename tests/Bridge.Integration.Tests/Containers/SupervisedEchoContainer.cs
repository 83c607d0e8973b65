using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Bridge.Integration.Tests.Fixtures;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Volumes;

namespace Bridge.Integration.Tests.Containers;

/// <summary>
/// <c>dotnet-bridge run</c> as a container's entry point (the supervisor image: nginx/containers/supervisor.Dockerfile over
/// the app image), Echo as its workers, the socket in a named volume that nginx in another container mounts too
/// (nginx/templates/container-socket-volume.conf.template): <c>--listen unix:/run/app/app.sock --socket-group 33
/// --workers N --stats tcp:0.0.0.0:9191 -- /usr/local/bin/bridge-app</c>, as uid 1654 with group 33 added. The
/// stats port is published on loopback; signals go through Docker (<c>docker kill -s HUP</c>, <c>docker stop</c>).
/// </summary>
internal sealed class SupervisedEchoContainer : IAsyncDisposable
{
    public const string SocketPath = "/run/app/app.sock";
    private const int StatsPort = 9191;
    private const string WwwDataGid = "33";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private readonly IVolume _volume;
    private readonly ContainerNginx _nginx;

    private SupervisedEchoContainer(IVolume volume, IContainer supervisor, ContainerNginx nginx, int workers)
    {
        _volume = volume;
        Supervisor = supervisor;
        _nginx = nginx;
        Workers = workers;
    }

    public IContainer Supervisor { get; }

    public int Workers { get; }

    public HttpClient Client { get; } = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public static async Task<SupervisedEchoContainer> StartAsync(int workers)
    {
        var volume = DockerEngine.Volume(DockerEngine.UniqueName("sockets")).Build();
        var supervisor = DockerEngine.Container(ContainerImages.Supervisor)
            .WithVolumeMount(volume, "/run/app")
            .WithPortBinding(StatsPort, assignRandomHostPort: true)
            .WithCommand(
                "--listen", "unix:" + SocketPath, "--socket-group", WwwDataGid, "--workers", workers.ToString(CultureInfo.InvariantCulture),
                "--stats", $"tcp:0.0.0.0:{StatsPort}", "--", "/usr/local/bin/bridge-app", "--access-log", "off")
            .WithCreateParameterModifier(p =>
            {
                p.HostConfig!.GroupAdd = [WwwDataGid]; // nginx's workers' group: the app may give its socket that group
                p.StopTimeout = TimeSpan.FromSeconds(40); // above --graceful-timeout (30 s)
            })
            .Build();
        var nginx = new ContainerNginx(builder => builder.WithVolumeMount(volume, "/run/app"));
        var stack = new SupervisedEchoContainer(volume, supervisor, nginx, workers);
        try
        {
            await volume.CreateAsync();
            await supervisor.StartAsync();
            await nginx.StartAsync("container-socket-volume.conf.template", new Dictionary<string, string>(StringComparer.Ordinal) { ["APP_SOCKET"] = SocketPath });
            var (ready, last) = await stack.WaitForStatsAsync(s => Enumerable.Range(1, workers).All(id => s.Workers.Any(w => w.Id == id && w.State == "ready")), StartTimeout);
            if (!ready)
            {
                throw new InvalidOperationException($"dotnet-bridge run had not {workers} ready workers within {StartTimeout.TotalSeconds} s: {JsonSerializer.Serialize(last)}\n{await DockerEngine.LogsAsync(supervisor)}");
            }

            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    public Uri BaseAddress(string portName) => _nginx.BaseAddress(portName);

    /// <summary>Every slot 1..N has exactly one worker, ready, of <paramref name="generation"/>, and nothing else runs.</summary>
    public bool AllReady(BridgeSupervisorProcess.Stats stats, int generation) =>
        stats.Generation == generation
        && stats.Workers.Count == Workers
        && stats.Workers.Select(w => w.Id).Order().SequenceEqual(Enumerable.Range(1, Workers))
        && stats.Workers.All(w => w.State == "ready" && w.Generation == generation);

    /// <summary>The stats endpoint as <c>nc</c> sees it: connect, send nothing, read the JSON until the supervisor closes.</summary>
    public async Task<BridgeSupervisorProcess.Stats> ReadStatsAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, Supervisor.GetMappedPublicPort(StatsPort), timeout.Token);
        using var text = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await socket.ReceiveAsync(chunk, SocketFlags.None, timeout.Token)) > 0)
        {
            text.Write(chunk, 0, read);
        }

        return JsonSerializer.Deserialize<BridgeSupervisorProcess.Stats>(Encoding.UTF8.GetString(text.ToArray()), JsonOptions)
            ?? throw new InvalidOperationException("The stats endpoint answered null.");
    }

    /// <summary>Polls the stats (every 100 ms, bounded) until <paramref name="condition"/> holds; the last stats either way.</summary>
    public async Task<(bool Met, BridgeSupervisorProcess.Stats? Last)> WaitForStatsAsync(Func<BridgeSupervisorProcess.Stats, bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        BridgeSupervisorProcess.Stats? last = null;
        while (true)
        {
            try
            {
                last = await ReadStatsAsync();
                if (condition(last))
                {
                    return (true, last);
                }
            }
            catch (SocketException)
            {
                // Docker's port proxy accepts before the supervisor listens; the connection is then reset
            }
            catch (JsonException)
            {
                // the same, seen as an empty answer
            }

            if (DateTime.UtcNow > deadline)
            {
                return (false, last);
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _nginx.DisposeAsync();
        await Supervisor.DisposeAsync();
        await _volume.DisposeAsync();
    }
}
