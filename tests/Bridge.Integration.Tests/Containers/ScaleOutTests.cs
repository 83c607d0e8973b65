using Bridge.Integration.Tests.Fixtures;
using Xunit.Abstractions;

namespace Bridge.Integration.Tests.Containers;

/// <summary>The scale-out and supervisor container tests load and stop containers: they run one at a time, after the others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ContainerLoadTestsDefinition
{
    public const string Name = "containers under load (serial)";
}

/// <summary>
/// Scale-out across hosts (<see cref="ScaleOutStack"/>): three app containers on a private network over TCP, nginx in
/// front with next_upstream error timeout, a bounded load of GETs over uwsgi and FastCGI (keep-conn) at once.
/// </summary>
[Collection(ContainerLoadTestsDefinition.Name)]
public sealed class ScaleOutTests(ITestOutputHelper output)
{
    private const int Concurrency = 8;          // loops: half over uwsgi, half over FastCGI
    private const int RequestsPerPhase = 400;   // answered after each event before the next
    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Under_load_docker_stop_loses_nothing_docker_kill_only_requests_in_flight_and_a_restarted_app_takes_traffic_again()
    {
        await using var stack = await ScaleOutStack.StartAsync(apps: 3);
        var (stopped, killed, survivor) = (stack.AddressOf(0), stack.AddressOf(1), stack.AddressOf(2));
        await using var load = UpstreamLoad.Start(
            stack.Client, [("uwsgi", stack.Nginx.BaseAddress("UWSGI_PORT")), ("fastcgi", stack.Nginx.BaseAddress("FASTCGI_PORT"))], Concurrency, TimeSpan.FromMinutes(3));

        // Spread: round robin over all three, on both protocols.
        Assert.True(
            await load.WaitForAsync(l => Enumerable.Range(0, 3).All(i => l.AnsweredBy(stack.AddressOf(i)) >= 100), PhaseTimeout),
            $"Not every app took 100 requests: {load.Take()}\n{string.Join('\n', load.FailuresSince(load.Take() with { Failures = 0 }).Take(20))}\nnginx:\n{stack.Nginx.ErrorLog}");
        var spread = load.Take();
        output.WriteLine($"spread: {spread}");

        // docker stop (SIGTERM): the app stops accepting, finishes what it holds, exits 0; nginx goes to the others.
        var beforeStop = load.Take();
        await stack.Apps[0].StopAsync();
        var stopExit = (await DockerEngine.InspectAsync(stack.Apps[0])).State!.ExitCode;
        Assert.True(await load.WaitForMoreAsync(load.Take(), RequestsPerPhase, PhaseTimeout), $"the load stalled after docker stop: {load.Take()}");
        var afterStop = load.Take();
        output.WriteLine($"docker stop of {stopped} (exit code {stopExit}): {afterStop.Completed - beforeStop.Completed} requests, {afterStop.Failures - beforeStop.Failures} failed");

        // docker kill (SIGKILL): only the requests it held may fail, and nginx retries those it can (GET, nothing sent yet).
        var beforeKill = load.Take();
        var inFlightAtKill = load.InFlight;
        await DockerEngine.SignalAsync(stack.Apps[1], "KILL");
        Assert.True(await load.WaitForMoreAsync(load.Take(), RequestsPerPhase, PhaseTimeout), $"the load stalled after docker kill: {load.Take()}");
        var afterKill = load.Take();
        output.WriteLine($"docker kill of {killed} ({inFlightAtKill} requests in flight through nginx at the kill): {afterKill.Completed - beforeKill.Completed} requests, {afterKill.Failures - beforeKill.Failures} failed");

        // docker start: the stopped app takes traffic again once nginx tries it (after fail_timeout, 10 s).
        var beforeRestart = load.Take();
        await ScaleOutStack.RestartAsync(stack.Apps[0]);
        var restartedAnswers = beforeRestart.AnsweredBy(stopped);
        Assert.True(
            await load.WaitForAsync(l => l.AnsweredBy(stopped) >= restartedAnswers + 50, PhaseTimeout),
            $"{stopped} took no traffic within {PhaseTimeout.TotalSeconds} s of its restart: {load.Take()}\nnginx:\n{stack.Nginx.ErrorLog}");
        var end = await load.StopAsync();
        output.WriteLine($"docker start of {stopped}: took {end.AnsweredBy(stopped) - restartedAnswers} requests; in all: {end}");
        output.WriteLine($"app {survivor} took {end.AnsweredBy(survivor)} requests; upstream errors in nginx's log: {CountUpstreamErrors(stack.Nginx.ErrorLog)}");

        Assert.Equal(0, stopExit);
        Assert.True(afterStop.Failures == beforeStop.Failures, $"docker stop lost requests:\n{string.Join('\n', load.FailuresSince(beforeStop).Take(20))}");
        Assert.True(
            afterKill.Failures - beforeKill.Failures <= inFlightAtKill,
            $"docker kill lost more than the {inFlightAtKill} requests in flight:\n{string.Join('\n', load.FailuresSince(beforeKill).Take(20))}");
        Assert.True(end.Failures == afterKill.Failures && beforeStop.Failures == 0, $"requests failed outside the kill:\n{string.Join('\n', load.FailuresSince(spread with { Failures = 0 }).Take(20))}");
    }

    [Fact]
    public async Task A_front_end_outside_Bridge_AllowedFrontEnds_is_refused_with_a_log_line()
    {
        await using var outside = await PrivateNetwork.CreateAsync("outside"); // removed last, once no container is on it
        await using var stack = await ScaleOutStack.StartAsync(apps: 1);
        var app = stack.Apps[0];
        await DockerEngine.Client.Networks.ConnectNetworkAsync(outside.Name, new Docker.DotNet.Models.NetworkConnectParameters { Container = app.Id });
        var appOutside = (await DockerEngine.InspectAsync(app)).NetworkSettings!.Networks![outside.Name].IPAddress!;

        // A container on the other network opens a connection to the app's address there and reads until it closes.
        var outsiderAddress = outside.Address(20);
        await using var outsider = ScaleOutStack.OnNetwork(DockerEngine.Container(ContainerImages.Base), outside, outsiderAddress)
            .WithCommand("bash", "-c", $"exec 3<>/dev/tcp/{appOutside}/{ScaleOutStack.AppPort} && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3 >/dev/null")
            .Build();
        await outsider.StartAsync();
        var outsiderExit = await DockerEngine.WaitForExitAsync(outsider, TimeSpan.FromSeconds(30));

        var refused = $"Refused a connection from {outsiderAddress}:"; // address:port
        Assert.True(
            await Http.Eventually.TrueAsync(async () => (await DockerEngine.LogsAsync(app)).Contains(refused, StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
            $"The app did not log '{refused}' (its allowed range is {stack.Network.Subnet}):\n{await DockerEngine.LogsAsync(app)}");
        Assert.Equal(0, outsiderExit); // connected, and the app closed the connection: refused at once, not left hanging
        output.WriteLine($"allowed {stack.Network.Subnet}; refused {outsiderAddress} from {outside.Subnet}");
    }

    private static int CountUpstreamErrors(string errorLog) =>
        errorLog.Split('\n').Count(l => l.Contains("[error]", StringComparison.Ordinal) && l.Contains("upstream", StringComparison.Ordinal));
}
