using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Bridge.Integration.Tests.Fixtures;
using Xunit.Abstractions;

namespace Bridge.Integration.Tests.Containers;

/// <summary>
/// <c>dotnet-bridge run</c> as a container's entry point (<see cref="SupervisedEchoContainer"/>), nginx in another container
/// on the socket volume: reloads through Docker under load over both protocols, and <c>docker stop</c> as a graceful stop.
/// </summary>
[Collection(ContainerLoadTestsDefinition.Name)]
public sealed class SupervisorContainerTests(ITestOutputHelper output)
{
    private const int Workers = 2;
    private const int Reloads = 2;
    private const int Concurrency = 8;          // loops: half over uwsgi, half over FastCGI
    private const int RequestsPerPhase = 300;   // answered between reloads
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task SIGHUP_reloads_through_docker_kill_under_load_lose_no_request_and_docker_stop_finishes_the_request_in_flight_and_exits_0()
    {
        await using var stack = await SupervisedEchoContainer.StartAsync(Workers);
        await using (var load = UpstreamLoad.Start(
            stack.Client, [("uwsgi", stack.BaseAddress("UWSGI_PORT")), ("fastcgi", stack.BaseAddress("FASTCGI_PORT"))], Concurrency, TimeSpan.FromMinutes(3)))
        {
            var clock = Stopwatch.StartNew();
            for (var generation = 2; generation <= 1 + Reloads; generation++)
            {
                Assert.True(await load.WaitForMoreAsync(load.Take(), RequestsPerPhase, ReloadTimeout), $"the load stalled: {load.Take()}");
                var signalledAt = clock.Elapsed;
                await DockerEngine.SignalAsync(stack.Supervisor, "HUP");
                var (met, last) = await stack.WaitForStatsAsync(s => stack.AllReady(s, generation), ReloadTimeout);
                Assert.True(met, $"generation {generation} was not the only one, all ready, within {ReloadTimeout.TotalSeconds} s: {JsonSerializer.Serialize(last)}\n{await DockerEngine.LogsAsync(stack.Supervisor)}");
                output.WriteLine($"reload to generation {generation}: ready and the old generation gone {(clock.Elapsed - signalledAt).TotalSeconds:0.0} s after SIGHUP");
            }

            Assert.True(await load.WaitForMoreAsync(load.Take(), RequestsPerPhase, ReloadTimeout), $"the load stalled: {load.Take()}");
            var end = await load.StopAsync();
            output.WriteLine($"{Reloads} reloads in the container under load ({Concurrency} loops, uwsgi and FastCGI): {end}");

            Assert.True(end.Failures == 0, $"reloads lost requests:\n{string.Join('\n', load.FailuresSince(end with { Failures = 0 }).Take(20))}");
            Assert.True(end.Completed >= (Reloads + 1) * RequestsPerPhase, end.ToString());
        }

        // docker stop with a request in flight: SIGTERM to the supervisor (PID 1), the request finishes, exit 0.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var delayed = stack.Client.GetAsync(new Uri(stack.BaseAddress("FASTCGI_PORT"), "/delay/2000"), timeout.Token);
        var (inFlight, stats) = await stack.WaitForStatsAsync(s => s.Workers.Sum(w => w.InFlight) >= 1, TimeSpan.FromSeconds(10)); // workers report each second
        Assert.True(inFlight, $"the request never showed as in flight: {JsonSerializer.Serialize(stats)}");
        Assert.False(delayed.IsCompleted);

        var stopClock = Stopwatch.StartNew();
        await stack.Supervisor.StopAsync();
        var stoppedIn = stopClock.Elapsed;
        using var response = await delayed;
        var state = (await DockerEngine.InspectAsync(stack.Supervisor)).State!;
        var logs = await DockerEngine.LogsAsync(stack.Supervisor);
        output.WriteLine($"docker stop with a request in flight: the supervisor exited with {state.ExitCode} {stoppedIn.TotalSeconds:0.0} s after SIGTERM");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok\n", await response.Content.ReadAsStringAsync(timeout.Token));
        Assert.True(state.ExitCode == 0, $"exit code {state.ExitCode}:\n{logs}");
        Assert.Contains("Stopped (exit code 0).", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("did not stop in time: SIGKILL", logs, StringComparison.Ordinal);
    }
}
