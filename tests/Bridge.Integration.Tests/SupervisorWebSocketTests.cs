using System.Globalization;
using System.Text;
using System.Text.Json;
using Bridge.Testing.FrontEnd;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Testing.WebSockets;
using Xunit.Abstractions;

namespace Bridge.Integration.Tests;

/// <summary>
/// WebSockets under <c>dotnet-bridge run</c> through nginx: the stats count each worker's open ones, and a reload lets
/// the old generation's WebSockets go on (up to the worker's shutdown timeout, which ends them with 1001) while new
/// ones reach the new generation.
/// </summary>
public sealed class SupervisorWebSocketTests(ITestOutputHelper output)
{
    private static readonly TimeSpan WorkerShutdownTimeout = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task A_reload_lets_the_old_generations_WebSocket_run_until_its_1001_while_new_ones_reach_the_new_generation()
    {
        await using var stack = await SupervisedEcho.StartAsync(
            1,
            ["--graceful-timeout", "30"],
            ["--Bridge:Limits:ShutdownTimeout=" + WorkerShutdownTimeout.ToString("c", CultureInfo.InvariantCulture)]);
        var supervisor = stack.Supervisor;
        var port = stack.BaseAddress.Port;
        using var old = await WebSocketsBehindNginx.OpenAsync(port);
        await EchoAsync(old, "before the reload");
        var (counted, first) = await supervisor.WaitForStatsAsync(s => s.Workers.Any(w => w.Generation == 1 && w.Upgraded == 1), TimeSpan.FromSeconds(10));
        Assert.True(counted, "the stats do not count the open WebSocket: " + JsonSerializer.Serialize(first));
        var oldPid = first.Workers.Single(w => w.Generation == 1).Pid;

        supervisor.Signal(BridgeSupervisorProcess.SigHup);
        var (ready, _) = await supervisor.WaitForStatsAsync(s => s.Workers.Any(w => w.Generation == 2 && w.State == "ready"), TimeSpan.FromSeconds(30));
        Assert.True(ready, "generation 2 was not ready within 30 s\n" + supervisor.Log);
        var reloadedAt = DateTime.UtcNow;

        await EchoAsync(old, "served by the old generation after the reload");

        // The old worker takes no new connection once its stop has closed its listener and logged 403 "Stopping" (until
        // then one may still reach it: the hand-over is not atomic, for WebSockets as for any request).
        var stoppedAccepting = await Http.Eventually.TrueAsync(
            () => supervisor.Log.Split('\n').Any(l => l.Contains($"pid {oldPid}]", StringComparison.Ordinal) && l.Contains("Bridge.Server.Hosting[403]", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10));
        Assert.True(stoppedAccepting, "the old worker did not begin its stop\n" + supervisor.Log);
        using var fresh = await WebSocketsBehindNginx.OpenAsync(port);
        await EchoAsync(fresh, "new");
        var (routed, stats) = await supervisor.WaitForStatsAsync(s => s.Workers.Any(w => w.Generation == 2 && w.Upgraded == 1), TimeSpan.FromSeconds(10));
        Assert.True(routed, "the new WebSocket did not reach generation 2: " + JsonSerializer.Serialize(stats));
        Assert.True(Directory.Exists($"/proc/{oldPid}"), "the old worker did not wait for its WebSocket");

        var (_, opcode, payload) = await old.ReadFrameAsync(WorkerShutdownTimeout + TimeSpan.FromSeconds(10));
        Assert.Equal(RawWebSocket.Close, opcode);
        Assert.Equal(1001, payload[0] << 8 | payload[1]);
        output.WriteLine($"the old generation's WebSocket got its 1001 {(DateTime.UtcNow - reloadedAt).TotalSeconds:0.0} s after generation 2 was ready (worker shutdown timeout {WorkerShutdownTimeout.TotalSeconds} s)");
        await old.SendFrameAsync(RawWebSocket.Close, RawWebSocket.ClosePayload(1001));
        Assert.True(await old.ClosesWithinAsync(Wire.Timeout));
        var (gone, last) = await supervisor.WaitForStatsAsync(s => s.Workers.All(w => w.Pid != oldPid), TimeSpan.FromSeconds(15));
        Assert.True(gone, "the old worker did not exit after its WebSocket closed: " + JsonSerializer.Serialize(last));

        await EchoAsync(fresh, "the new generation's WebSocket is untouched");
        await fresh.SendFrameAsync(RawWebSocket.Close, RawWebSocket.ClosePayload(1000));
        Assert.Equal(RawWebSocket.Close, (await fresh.ReadFrameAsync()).Opcode);
        Assert.True(await fresh.ClosesWithinAsync(Wire.Timeout));
        var (zero, end) = await supervisor.WaitForStatsAsync(s => s.Workers.All(w => w.Upgraded == 0), TimeSpan.FromSeconds(10));
        Assert.True(zero, "the stats still count a closed WebSocket: " + JsonSerializer.Serialize(end));
    }

    private static async Task EchoAsync(RawWebSocket client, string text)
    {
        await client.SendFrameAsync(RawWebSocket.Text, Encoding.UTF8.GetBytes(text));
        Assert.Equal(text, Encoding.UTF8.GetString((await client.ReadMessageAsync()).Payload));
    }
}
