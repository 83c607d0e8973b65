using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;
using Xunit.Abstractions;

namespace Bridge.Integration.Tests;

/// <summary>The supervisor tests start processes, load them and time them: they run one at a time, after the others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SupervisorTestsDefinition
{
    public const string Name = "dotnet-bridge run (serial)";
}

/// <summary>
/// <c>dotnet-bridge run [options] -- dotnet Echo.dll</c> behind a real nginx (uwsgi_pass): the Echo contract, SIGTERM,
/// SIGHUP reloads and SIGKILLed workers under load, recycling and the stats endpoint (src/Bridge.Cli/SUPERVISOR-PROTOCOL.md).
/// </summary>
[Collection(SupervisorTestsDefinition.Name)]
public sealed partial class SupervisorTests(ITestOutputHelper output)
{
    private const UnixFileMode Mode0660 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;
    private const int LoadConcurrency = 8;
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Each_worker_s_log_lines_say_which_worker_wrote_them()
    {
        await using var stack = await SupervisedEcho.StartAsync(2);
        var supervisor = stack.Supervisor;
        var stats = await supervisor.ReadStatsAsync();

        foreach (var worker in stats.Workers)
        {
            var line = $"[worker {worker.Id} pid {worker.Pid}] info: Bridge.Server.Hosting[401]"; // "Listening on fd:..."
            Assert.True(
                await Eventually.TrueAsync(() => supervisor.Log.Contains(line, StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
                $"No \"{line}\" in the output:\n{supervisor.Log}");
        }
    }

    [Fact]
    public async Task Echo_under_the_supervisor_keeps_its_contract_and_SIGTERM_finishes_the_request_in_flight_then_exits_0_and_removes_the_socket()
    {
        await using var stack = await SupervisedEcho.StartAsync(2);
        var supervisor = stack.Supervisor;
        Assert.Equal(Mode0660, File.GetUnixFileMode(supervisor.SocketPath));

        using (var hello = await stack.Client.GetAsync(stack.Url("/hello")))
        {
            Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
            Assert.Equal("hello world\n", await hello.Content.ReadAsStringAsync());
        }

        using (var echo = await stack.Client.GetAsync(stack.Url("/echo/a%20b?x=1")))
        {
            Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
            using var json = JsonDocument.Parse(await echo.Content.ReadAsStringAsync());
            Assert.Equal("uwsgi", json.RootElement.GetProperty("gateway").GetString());
            Assert.Equal("/echo/a b", json.RootElement.GetProperty("path").GetString());
            Assert.Equal("x=1", json.RootElement.GetProperty("query").GetString());
        }

        using (var bytes = await stack.Client.GetAsync(stack.Url("/bytes/100000")))
        {
            Assert.Equal(HttpStatusCode.OK, bytes.StatusCode);
            var body = await bytes.Content.ReadAsByteArrayAsync();
            Assert.Equal(100_000, body.Length);
            Assert.Equal(EchoPattern.Sha256(100_000), Convert.ToHexStringLower(SHA256.HashData(body)));
        }

        var upload = RandomNumberGenerator.GetBytes(1_000_000);
        using (var uploaded = await stack.Client.PostAsync(stack.Url("/upload"), new ByteArrayContent(upload)))
        {
            Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
            using var json = JsonDocument.Parse(await uploaded.Content.ReadAsStringAsync());
            Assert.Equal(upload.Length, json.RootElement.GetProperty("bodyLength").GetInt64());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(upload)), json.RootElement.GetProperty("bodySha256").GetString());
        }

        var delayed = stack.Client.GetAsync(stack.Url("/delay/4000"));
        var (inFlight, withRequest) = await supervisor.WaitForStatsAsync(s => s.Workers.Any(w => w.InFlight > 0), TimeSpan.FromSeconds(10)); // a worker has it
        Assert.True(inFlight, $"no worker reported the /delay/4000 request in flight: {JsonSerializer.Serialize(withRequest)}");
        Assert.False(delayed.IsCompleted);
        supervisor.Signal(Posix.SigTerm);

        using var response = await delayed;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok\n", await response.Content.ReadAsStringAsync());
        Assert.True(await supervisor.WaitForExitAsync(ExitTimeout), "dotnet-bridge run did not exit after SIGTERM.\n" + supervisor.Log);
        Assert.True(supervisor.ExitCode == 0, $"exit code {supervisor.ExitCode}\n{supervisor.Log}");
        Assert.False(File.Exists(supervisor.SocketPath), "the socket file is still there");
        Assert.False(File.Exists(supervisor.StatsPath), "the stats socket file is still there");
    }

    [Fact]
    public async Task Five_SIGHUP_reloads_under_load_fail_no_request_and_leave_every_worker_at_generation_6()
    {
        await using var stack = await SupervisedEcho.StartAsync(2);
        var supervisor = stack.Supervisor;
        using var stopLoad = new CancellationTokenSource();
        var load = stack.RunLoadAsync(LoadConcurrency, TimeSpan.FromSeconds(75), stopLoad.Token);
        var clock = Stopwatch.StartNew();
        for (var generation = 2; generation <= 6; generation++)
        {
            await Task.Delay(1000); // load on the running generation first
            var signalledAt = clock.Elapsed;
            supervisor.Signal(BridgeSupervisorProcess.SigHup);
            var (met, last) = await supervisor.WaitForStatsAsync(s => s.Generation == generation && supervisor.AllReady(s, generation), TimeSpan.FromSeconds(30));
            Assert.True(met, $"generation {generation} was not the only one, all ready, within 30 s: {JsonSerializer.Serialize(last)}\n{supervisor.Log}");
            output.WriteLine($"reload to generation {generation}: ready and the old generation gone {(clock.Elapsed - signalledAt).TotalSeconds:0.0} s after SIGHUP");
        }

        await Task.Delay(1000); // load on the last generation
        await stopLoad.CancelAsync();
        var result = await load;
        output.WriteLine($"reload under load ({LoadConcurrency} concurrent loops of /hello and /echo through nginx, 5 SIGHUPs): {result}");

        var generations = new List<int>();
        for (var i = 0; i < 20; i++)
        {
            using var worker = await stack.Client.GetAsync(stack.Url("/worker"));
            Assert.Equal(HttpStatusCode.OK, worker.StatusCode);
            using var json = JsonDocument.Parse(await worker.Content.ReadAsStringAsync());
            generations.Add(json.RootElement.GetProperty("generation").GetInt32());
        }

        Assert.True(result.Requests > 100, $"the load hardly ran: {result}");
        Assert.True(result.Failures.Count == 0, result.ToString());
        Assert.All(generations, g => Assert.Equal(6, g));
    }

    [Fact]
    public async Task SIGHUP_reloads_under_load_over_fastcgi_kept_connections_fail_no_request()
    {
        // The old generation's workers close their kept connections as they stop; a request nginx sends on one in
        // that instant is retried by nginx on a new connection, which the socket (kept through the reload) gives to
        // a worker that is still there (protocol-spec/fastcgi.md section 13).
        await using var stack = await SupervisedEcho.StartAsync(2);
        var supervisor = stack.Supervisor;
        using var stopLoad = new CancellationTokenSource();
        var load = stack.RunLoadAsync(LoadConcurrency, TimeSpan.FromSeconds(60), stopLoad.Token, stack.FastCgiBaseAddress);
        for (var generation = 2; generation <= 4; generation++)
        {
            await Task.Delay(1000);
            supervisor.Signal(BridgeSupervisorProcess.SigHup);
            var (met, last) = await supervisor.WaitForStatsAsync(s => s.Generation == generation && supervisor.AllReady(s, generation), TimeSpan.FromSeconds(30));
            Assert.True(met, $"generation {generation} was not the only one, all ready, within 30 s: {JsonSerializer.Serialize(last)}\n{supervisor.Log}");
        }

        await Task.Delay(1000);
        await stopLoad.CancelAsync();
        var result = await load;
        output.WriteLine($"reload over FastCGI keep-conn ({LoadConcurrency} concurrent loops through nginx, 3 SIGHUPs): {result}");
        Assert.True(result.Requests > 100, $"the load hardly ran: {result}");
        Assert.True(result.Failures.Count == 0, result + "\n" + stack.NginxErrorLog);
    }

    [Fact]
    public async Task A_worker_killed_with_SIGKILL_under_load_is_respawned_in_its_slot_and_only_its_requests_may_fail()
    {
        await using var stack = await SupervisedEcho.StartAsync(2);
        var supervisor = stack.Supervisor;
        using var stopLoad = new CancellationTokenSource();
        var load = stack.RunLoadAsync(LoadConcurrency, TimeSpan.FromSeconds(30), stopLoad.Token);
        await Task.Delay(1500);
        var before = (await supervisor.ReadStatsAsync()).Workers.Single(w => w.Id == 1);
        var killedAt = Stopwatch.StartNew();
        Posix.Signal(before.Pid, BridgeSupervisorProcess.SigKill);

        var (met, last) = await supervisor.WaitForStatsAsync(
            s => s.Workers.Any(w => w.Id == 1 && w.Pid != before.Pid && w.State == "ready" && w.Respawns >= 1), TimeSpan.FromSeconds(20));
        var respawnedIn = killedAt.Elapsed;
        await Task.Delay(1500); // load on the respawned worker
        await stopLoad.CancelAsync();
        var result = await load;
        var upstreamErrors = stack.NginxErrorLog.Split('\n').Count(l => l.Contains("upstream", StringComparison.Ordinal) && l.Contains("[error]", StringComparison.Ordinal));
        output.WriteLine($"kill -9 of worker 1 (pid {before.Pid}, {before.Requests} requests served and {before.InFlight} in flight at its last stats datagram) under load ({LoadConcurrency} concurrent loops): respawned and ready in {respawnedIn.TotalSeconds:0.0} s; {result}; nginx logged {upstreamErrors} upstream error(s)");
        Assert.False(Directory.Exists($"/proc/{before.Pid}") && File.ReadAllText($"/proc/{before.Pid}/cmdline").Contains("Echo", StringComparison.Ordinal), "the killed worker still runs");

        Assert.True(met, $"worker 1 was not respawned within 20 s: {JsonSerializer.Serialize(last)}\n{supervisor.Log}");
        var respawned = last.Workers.Single(w => w.Id == 1);
        Assert.Equal(1, respawned.Respawns);
        Assert.Equal(0, last.Workers.Single(w => w.Id == 2).Respawns);
        Assert.False(supervisor.HasExited);
        Assert.True(result.Requests > 100, $"the load hardly ran: {result}");
        Assert.True(result.Failures.Count <= LoadConcurrency, $"more requests failed than the killed worker could hold: {result}");
    }

    [Fact]
    public async Task SIGTERM_lets_several_delayed_requests_in_flight_finish_with_200_then_exits_0_and_removes_the_socket()
    {
        await using var stack = await SupervisedEcho.StartAsync(2);
        var supervisor = stack.Supervisor;
        var delayed = Enumerable.Range(0, 4).Select(_ => stack.Client.GetAsync(stack.Url("/delay/2000"))).ToArray();
        var (inFlight, last) = await supervisor.WaitForStatsAsync(s => s.Workers.Sum(w => w.InFlight) >= 4, TimeSpan.FromSeconds(1.5));
        output.WriteLine($"in flight at SIGTERM (stats, reported each second): {last.Workers.Sum(w => w.InFlight)}");
        Assert.DoesNotContain(delayed, d => d.IsCompleted);
        var clock = Stopwatch.StartNew();
        supervisor.Signal(Posix.SigTerm);

        foreach (var request in delayed)
        {
            using var response = await request;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("ok\n", await response.Content.ReadAsStringAsync());
        }

        Assert.True(await supervisor.WaitForExitAsync(ExitTimeout), "dotnet-bridge run did not exit after SIGTERM.\n" + supervisor.Log);
        output.WriteLine($"exited {clock.Elapsed.TotalSeconds:0.0} s after SIGTERM (stats saw all 4 in flight: {inFlight})");
        Assert.True(supervisor.ExitCode == 0, $"exit code {supervisor.ExitCode}\n{supervisor.Log}");
        Assert.False(File.Exists(supervisor.SocketPath), "the socket file is still there");
    }

    [Fact]
    public async Task Max_requests_5_replaces_a_worker_after_12_requests_and_no_request_fails()
    {
        await using var stack = await SupervisedEcho.StartAsync(2, "--max-requests", "5");
        var supervisor = stack.Supervisor;
        var initial = (await supervisor.ReadStatsAsync()).Workers.Select(w => w.Pid).ToHashSet();
        var failures = new List<string>();
        var sent = 0;
        for (var i = 0; i < 12; i++, sent++)
        {
            await GetHelloAsync(stack, failures);
        }

        // Keep asking while the stats (one datagram a second) show a replacement: each answer must still be 200.
        var clock = Stopwatch.StartNew();
        BridgeSupervisorProcess.Stats last;
        bool replaced;
        do
        {
            last = await supervisor.ReadStatsAsync();
            replaced = last.Workers.Any(w => !initial.Contains(w.Pid) && w.State == "ready");
            await GetHelloAsync(stack, failures);
            sent++;
        }
        while (!replaced && clock.Elapsed < TimeSpan.FromSeconds(20));

        output.WriteLine($"max-requests 5: a replacement ready {clock.Elapsed.TotalSeconds:0.0} s after the 12th request; {sent} requests, {failures.Count} failed; workers now {Describe(last)}");
        Assert.True(replaced, $"no worker was replaced within 20 s: {JsonSerializer.Serialize(last)}\n{supervisor.Log}");
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Max_rss_1_MiB_replaces_the_workers_again_and_again_without_a_failed_request()
    {
        await using var stack = await SupervisedEcho.StartAsync(2, "--max-rss", "1");
        var supervisor = stack.Supervisor;
        var seen = (await supervisor.ReadStatsAsync()).Workers.Select(w => w.Pid).ToHashSet();
        var initialCount = seen.Count;
        var failures = new List<string>();
        var sent = 0;
        var clock = Stopwatch.StartNew();
        while (seen.Count < initialCount + 3 && clock.Elapsed < TimeSpan.FromSeconds(40))
        {
            foreach (var worker in (await supervisor.ReadStatsAsync()).Workers.Where(w => w.State == "ready"))
            {
                seen.Add(worker.Pid);
            }

            await GetHelloAsync(stack, failures);
            sent++;
            await Task.Delay(100);
        }

        output.WriteLine($"max-rss 1 MiB: {seen.Count - initialCount} replacements ready in {clock.Elapsed.TotalSeconds:0.0} s; {sent} requests, {failures.Count} failed");
        Assert.True(seen.Count >= initialCount + 3, $"only {seen.Count - initialCount} replacements within 40 s.\n{supervisor.Log}");
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Harakiri_2_replaces_the_worker_stuck_in_a_delay_8000_request_while_hello_keeps_answering_200()
    {
        await using var stack = await SupervisedEcho.StartAsync(2, "--harakiri", "2");
        var supervisor = stack.Supervisor;
        var clock = Stopwatch.StartNew();
        var stuck = stack.Client.GetAsync(stack.Url("/delay/8000"));
        var (found, withRequest) = await supervisor.WaitForStatsAsync(s => s.Workers.Any(w => w.InFlight > 0), TimeSpan.FromSeconds(4));
        Assert.True(found, $"no worker reported the /delay/8000 request in flight: {JsonSerializer.Serialize(withRequest)}");
        var stuckWorker = withRequest.Workers.Single(w => w.InFlight > 0);

        var failures = new List<string>();
        var sent = 0;
        TimeSpan? replacedAt = null;
        TimeSpan? goneAt = null;
        while ((replacedAt is null || goneAt is null) && clock.Elapsed < TimeSpan.FromSeconds(14))
        {
            var stats = await supervisor.ReadStatsAsync();
            if (replacedAt is null && stats.Workers.Any(w => w.Id == stuckWorker.Id && w.Pid != stuckWorker.Pid && w.State == "ready"))
            {
                replacedAt = clock.Elapsed;
            }

            if (goneAt is null && stats.Workers.All(w => w.Pid != stuckWorker.Pid))
            {
                goneAt = clock.Elapsed;
            }

            await GetHelloAsync(stack, failures);
            sent++;
            await Task.Delay(100);
        }

        using var stuckResponse = await stuck;
        output.WriteLine($"harakiri 2: worker {stuckWorker.Id} (pid {stuckWorker.Pid}) replaced {replacedAt?.TotalSeconds:0.0} s and gone {goneAt?.TotalSeconds:0.0} s after its /delay/8000 request began, which got {(int)stuckResponse.StatusCode}; /hello meanwhile: {sent} requests, {failures.Count} failed");
        Assert.True(replacedAt is not null && replacedAt < TimeSpan.FromSeconds(8), $"worker {stuckWorker.Id} was not replaced within 8 s.\n{supervisor.Log}");
        Assert.True(goneAt is not null, $"the stuck worker (pid {stuckWorker.Pid}) was still running 14 s after its request began.\n{supervisor.Log}");
        Assert.True(sent >= 10);
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Stats_json_has_every_documented_field_and_metrics_parse_as_prometheus_text()
    {
        await using var stack = await SupervisedEcho.StartAsync(2);
        var supervisor = stack.Supervisor;
        for (var i = 0; i < 4; i++)
        {
            using var hello = await stack.Client.GetAsync(stack.Url("/hello"));
            Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
        }

        var (counted, _) = await supervisor.WaitForStatsAsync(s => s.Workers.Sum(w => w.Requests) >= 4, TimeSpan.FromSeconds(5));
        Assert.True(counted, "the workers' stats did not count the 4 requests within 5 s");

        using var json = JsonDocument.Parse(await supervisor.ReadStatsTextAsync());
        var root = json.RootElement;
        Assert.Equal(supervisor.ProcessId, root.GetProperty("pid").GetInt32());
        Assert.True(root.GetProperty("uptimeSeconds").GetDouble() > 0);
        Assert.Equal(1, root.GetProperty("generation").GetInt32());
        var listener = Assert.Single(root.GetProperty("listeners").EnumerateArray());
        Assert.Equal("unix:" + supervisor.SocketPath, listener.GetProperty("address").GetString());
        Assert.Equal("auto", listener.GetProperty("protocol").GetString()); // the fixture listens for uwsgi and FastCGI
        Assert.Equal(JsonValueKind.Number, listener.GetProperty("listenQueue").ValueKind);
        Assert.True(listener.GetProperty("listenQueue").GetInt32() >= 0);
        Assert.Equal(1024, listener.GetProperty("backlog").GetInt32());
        var workers = root.GetProperty("workers").EnumerateArray().ToArray();
        Assert.Equal([1, 2], workers.Select(w => w.GetProperty("id").GetInt32()).Order());
        foreach (var worker in workers)
        {
            Assert.True(worker.GetProperty("pid").GetInt32() > 0);
            Assert.Equal(1, worker.GetProperty("generation").GetInt32());
            Assert.Equal("ready", worker.GetProperty("state").GetString());
            foreach (var number in new[] { "requests", "inFlight", "exceptions", "respawns", "rssBytes", "uptimeSeconds", "averageRequestMs" })
            {
                Assert.True(worker.GetProperty(number).ValueKind == JsonValueKind.Number, $"{number} is not a number: {worker}");
                Assert.True(worker.GetProperty(number).GetDouble() >= 0, $"{number} is negative: {worker}");
            }

            Assert.True(worker.GetProperty("rssBytes").GetInt64() > 1024 * 1024);
        }

        Assert.Equal(4, workers.Sum(w => w.GetProperty("requests").GetInt64()));

        var (statusLine, metrics) = await supervisor.ReadMetricsAsync();
        Assert.Equal("HTTP/1.1 200 OK", statusLine);
        var samples = new List<(string Name, double Value)>();
        foreach (var line in metrics.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.Matches(PrometheusComment(), line);
                continue;
            }

            var match = PrometheusSample().Match(line);
            Assert.True(match.Success, $"not a Prometheus sample line: '{line}'");
            var value = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var text => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : (double?)null,
            };
            Assert.True(value is not null, $"not a sample value: '{line}'");
            samples.Add((match.Groups["name"].Value, value.Value));
        }

        Assert.Equal(2, samples.Count(s => s.Name == "bridge_worker_requests_total"));
        Assert.Equal(4, samples.Where(s => s.Name == "bridge_worker_requests_total").Sum(s => s.Value));
        Assert.Single(samples, s => s.Name == "bridge_listen_queue");
        Assert.Contains($"bridge_listen_queue{{address=\"unix:{supervisor.SocketPath}\"}} ", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_option_exits_2_with_a_message_naming_it()
    {
        var folder = TempDirectory.Create("bridge-usage-");
        try
        {
            var (exitCode, text, _) = await BridgeSupervisorProcess.RunToExitAsync(folder, TimeSpan.FromSeconds(20),
                "run", "--listen", "unix:" + Path.Combine(folder, "app.sock"), "--no-such-option", "1", "--", BridgeSupervisorProcess.Dotnet, Repository.EchoAssembly);

            Assert.Equal(2, exitCode);
            Assert.Contains("Unknown option --no-such-option", text, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(folder, "app.sock")));
        }
        finally
        {
            TempDirectory.Delete(folder);
        }
    }

    [Fact]
    public async Task An_app_that_cannot_start_makes_the_supervisor_give_up_with_a_non_zero_exit_within_20_s()
    {
        var folder = TempDirectory.Create("bridge-need-app-");
        try
        {
            var socket = Path.Combine(folder, "app.sock");
            var (exitCode, text, elapsed) = await BridgeSupervisorProcess.RunToExitAsync(folder, TimeSpan.FromSeconds(20),
                "run", "--listen", "unix:" + socket, "--workers", "2", "--", "/bin/false");

            output.WriteLine($"-- /bin/false: exit code {exitCode} after {elapsed.TotalSeconds:0.0} s");
            Assert.True(exitCode != 0, text);
            Assert.False(File.Exists(socket), "the socket file is still there");
        }
        finally
        {
            TempDirectory.Delete(folder);
        }
    }

    private static async Task GetHelloAsync(SupervisedEcho stack, List<string> failures)
    {
        try
        {
            using var response = await stack.Client.GetAsync(stack.Url("/hello"));
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK || body != "hello world\n")
            {
                failures.Add($"{DateTime.UtcNow:HH:mm:ss.fff} /hello: {(int)response.StatusCode} {body.Trim()}");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            failures.Add($"{DateTime.UtcNow:HH:mm:ss.fff} /hello: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private static string Describe(BridgeSupervisorProcess.Stats stats) =>
        string.Join(", ", stats.Workers.Select(w => $"{w.Id}:{w.Pid}:{w.State}:g{w.Generation}:r{w.Requests}"));

    [GeneratedRegex("""^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$""")]
    private static partial Regex PrometheusComment();

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? (?<value>\S+)$""")]
    private static partial Regex PrometheusSample();
}
