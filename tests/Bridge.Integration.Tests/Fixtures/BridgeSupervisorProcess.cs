using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// <c>dotnet-bridge run</c> started as a user would: <c>dotnet src/Bridge.Cli/bin/CONFIG/net10.0/dotnet-bridge.dll run --listen unix:PATH
/// --protocol auto --workers N --stats unix:STATS [--socket-group www-data] [options] -- dotnet Bridge.Samples.Echo.dll
/// --access-log off</c>. The supervisor is signalled through its own PID only; every worker PID the stats ever showed
/// is remembered, so Dispose can make sure none is left behind (SIGKILL to exactly those PIDs, if they are still Echo).
/// </summary>
internal sealed class BridgeSupervisorProcess : IAsyncDisposable
{
    public const int SigKill = 9;
    public const int SigHup = 1;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly ChildProcess _process;
    private readonly HashSet<int> _workerPids = [];

    private BridgeSupervisorProcess(ChildProcess process, string socketPath, string statsPath, int workers)
    {
        _process = process;
        SocketPath = socketPath;
        StatsPath = statsPath;
        Workers = workers;
    }

    public static string Assembly => Path.Combine(Repository.Root, "src", "Bridge.Cli", "bin", Repository.Configuration, "net10.0", "dotnet-bridge.dll");

    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    public string SocketPath { get; }

    public string StatsPath { get; }

    public int Workers { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The supervisor's and its workers' stderr and stdout so far.</summary>
    public string Log => _process.Output;

    /// <summary>Starts the supervisor with Echo as the app and waits until every slot has a ready worker (see <see cref="SlotsReady"/>).</summary>
    public static Task<BridgeSupervisorProcess> StartAsync(string folder, int workers, params string[] options)
        => StartAsync(folder, workers, options, appOptions: []);

    /// <summary>As <see cref="StartAsync(string, int, string[])"/>, with more options for Echo (after <c>--access-log off</c>).</summary>
    public static async Task<BridgeSupervisorProcess> StartAsync(string folder, int workers, string[] options, string[] appOptions)
    {
        var supervisor = Launch(folder, workers, options, appOptions);
        try
        {
            await supervisor.WaitUntilReadyAsync(StartTimeout);
            return supervisor;
        }
        catch
        {
            await supervisor.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <c>bridge ARGS</c> to its end (bounded): the exit code and everything it wrote.</summary>
    public static async Task<(int ExitCode, string Output, TimeSpan Elapsed)> RunToExitAsync(string folder, TimeSpan timeout, params string[] arguments)
    {
        RequireAssembly();
        var started = DateTime.UtcNow;
        using var process = ChildProcess.Start(Dotnet, [Assembly, .. arguments], folder);
        if (!await process.WaitForExitAsync(timeout))
        {
            process.KillTree();
            throw new InvalidOperationException($"bridge {string.Join(' ', arguments)} did not exit within {timeout.TotalSeconds} s.\n{process.Output}");
        }

        return (process.ExitCode, process.Output, DateTime.UtcNow - started); // WaitForExitAsync has also read the output to its end
    }

    public void Signal(int signal) => _process.Signal(signal);

    public Task<bool> WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(timeout);

    /// <summary>The stats endpoint as <c>nc -U</c> sees it: connect, send nothing, read the JSON until the server closes.</summary>
    public async Task<string> ReadStatsTextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(StatsPath), timeout.Token);
        return Encoding.UTF8.GetString(await ReadToEndAsync(socket, timeout.Token));
    }

    /// <summary>The stats, parsed; remembers every worker PID seen.</summary>
    public async Task<Stats> ReadStatsAsync()
    {
        var stats = JsonSerializer.Deserialize<Stats>(await ReadStatsTextAsync(), JsonOptions)
            ?? throw new InvalidOperationException("The stats endpoint answered null.");
        lock (_workerPids)
        {
            foreach (var worker in stats.Workers)
            {
                _workerPids.Add(worker.Pid);
            }
        }

        return stats;
    }

    /// <summary><c>GET /metrics</c> on the stats socket: the status line and the body.</summary>
    public async Task<(string StatusLine, string Body)> ReadMetricsAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(StatsPath), timeout.Token);
        await socket.SendAsync("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray(), SocketFlags.None, timeout.Token);
        var text = Encoding.UTF8.GetString(await ReadToEndAsync(socket, timeout.Token));
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headEnd < 0)
        {
            throw new InvalidOperationException("No HTTP head in the /metrics answer:\n" + text);
        }

        return (text[..text.IndexOf("\r\n", StringComparison.Ordinal)], text[(headEnd + 4)..]);
    }

    /// <summary>Polls the stats (every 100 ms, bounded) until <paramref name="condition"/> holds; the last stats either way.</summary>
    public async Task<(bool Met, Stats Last)> WaitForStatsAsync(Func<Stats, bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var stats = await ReadStatsAsync();
            if (condition(stats))
            {
                return (true, stats);
            }

            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                return (false, stats);
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Every slot 1..N has exactly one worker, ready, of <paramref name="generation"/> (any if null), and nothing else runs.</summary>
    public bool AllReady(Stats stats, int? generation = null) =>
        stats.Workers.Count == Workers
        && stats.Workers.Select(w => w.Id).Order().SequenceEqual(Enumerable.Range(1, Workers))
        && stats.Workers.All(w => w.State == "ready" && (generation is null || w.Generation == generation));

    /// <summary>Every slot 1..N has a ready worker (a replacement may be starting beside it, as with recycling).</summary>
    public bool SlotsReady(Stats stats) =>
        Enumerable.Range(1, Workers).All(id => stats.Workers.Any(w => w.Id == id && w.State == "ready"));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Signal(Posix.SigTerm);
            if (!await _process.WaitForExitAsync(StopTimeout))
            {
                _process.KillTree();
            }
        }

        int[] pids;
        lock (_workerPids)
        {
            pids = [.. _workerPids];
        }

        foreach (var pid in pids)
        {
            KillIfStillOurWorker(pid);
        }

        _process.Dispose();
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private static BridgeSupervisorProcess Launch(string folder, int workers, string[] options, string[] appOptions)
    {
        RequireAssembly();
        var socketPath = Path.Combine(folder, "app.sock");
        var statsPath = Path.Combine(folder, "stats.sock");
        List<string> arguments =
        [
            Assembly, "run", "--listen", "unix:" + socketPath, "--protocol", "auto", // nginx reaches it over uwsgi and FastCGI
            "--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture), "--stats", "unix:" + statsPath,
        ];
        if (Posix.IsRoot)
        {
            arguments.AddRange(["--socket-group", "www-data"]); // nginx's workers run as www-data
        }

        arguments.AddRange(options);
        arguments.AddRange(["--", Dotnet, Repository.EchoAssembly, "--access-log", "off", .. appOptions]);
        return new BridgeSupervisorProcess(ChildProcess.Start(Dotnet, arguments, folder), socketPath, statsPath, workers);
    }

    private static void RequireAssembly()
    {
        foreach (var assembly in new[] { Assembly, Repository.EchoAssembly })
        {
            if (!File.Exists(assembly))
            {
                throw new InvalidOperationException($"{assembly} is missing: build the solution ({Repository.Configuration}) first; this project builds it through its ProjectReferences.");
            }
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!File.Exists(StatsPath) || !File.Exists(SocketPath))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"dotnet-bridge run did not bind {SocketPath} and {StatsPath} within {timeout.TotalSeconds} s (exited: {_process.HasExited}).\n{Log}");
            }

            await Task.Delay(50);
        }

        var (met, last) = await WaitForStatsAsync(SlotsReady, deadline - DateTime.UtcNow);
        if (!met)
        {
            throw new InvalidOperationException($"dotnet-bridge run had not {Workers} ready workers within {timeout.TotalSeconds} s; last stats: {JsonSerializer.Serialize(last)}\n{Log}");
        }
    }

    // SIGKILL to a worker PID the stats showed, only if that PID still runs our Echo (a PID may be reused).
    private static void KillIfStillOurWorker(int pid)
    {
        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline");
            if (commandLine.Contains(Path.GetFileName(Repository.EchoAssembly), StringComparison.Ordinal))
            {
                Posix.Signal(pid, SigKill);
            }
        }
        catch (IOException)
        {
            // gone
        }
        catch (UnauthorizedAccessException)
        {
            // not ours to read
        }
    }

    private static async Task<byte[]> ReadToEndAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        for (var i = 0; i < 10_000; i++)
        {
            var read = await socket.ReceiveAsync(chunk, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                break;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    public sealed record Stats(int Pid, double UptimeSeconds, int Generation, IReadOnlyList<ListenerStats> Listeners, IReadOnlyList<WorkerStats> Workers);

    public sealed record ListenerStats(string Address, string Protocol, int? ListenQueue, int Backlog);

    public sealed record WorkerStats(
        int Id, int Pid, int Generation, string State, long Requests, int InFlight, long Exceptions, int Respawns, long RssBytes, double UptimeSeconds,
        double AverageRequestMs, int Upgraded = 0);
}
