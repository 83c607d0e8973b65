using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Bridge.Hosting;
using Bridge.Server.Gateway;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bridge.Cli.Tests;

// The agent reads the process environment: these tests must not run beside each other.
[Collection(nameof(SupervisorAgentTests))]
public sealed class SupervisorAgentTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("bct-");
    private readonly Socket _supervisor = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

    public SupervisorAgentTests()
    {
        _supervisor.Bind(new UnixDomainSocketEndPoint(Path.Combine(_directory.FullName, "control.sock")));
        Environment.SetEnvironmentVariable(SupervisorAgent.SocketVariable, Path.Combine(_directory.FullName, "control.sock"));
        Environment.SetEnvironmentVariable(SupervisorAgent.WorkerVariable, "3");
        Environment.SetEnvironmentVariable(SupervisorAgent.GenerationVariable, "7");
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(SupervisorAgent.SocketVariable, null);
        Environment.SetEnvironmentVariable(SupervisorAgent.WorkerVariable, null);
        Environment.SetEnvironmentVariable(SupervisorAgent.GenerationVariable, null);
        _supervisor.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task Sends_ready_then_stats_that_count_requests_then_stopping()
    {
        var socketPath = Path.Combine(_directory.FullName, "app.sock");
        using var host = BuildHost(socketPath, static context =>
        {
            context.Response.StatusCode = context.Request.Path == "/fail" ? throw new InvalidOperationException("fail") : 200;
            return Task.CompletedTask;
        });
        await host.StartAsync();
        try
        {
            var ready = await ReceiveAsync();
            Assert.Equal("ready", ready.GetProperty("type").GetString());
            Assert.Equal(Environment.ProcessId, ready.GetProperty("pid").GetInt32());
            Assert.Equal(3, ready.GetProperty("worker").GetInt32());
            Assert.Equal(7, ready.GetProperty("generation").GetInt32());

            var endPoint = new UnixDomainSocketEndPoint(socketPath);
            Assert.Equal(200, (await UwsgiWire.SendAsync(endPoint, TestRequest.Get("/ok"))).StatusCode);
            Assert.Equal(500, (await UwsgiWire.SendAsync(endPoint, TestRequest.Get("/fail"))).StatusCode);

            JsonElement stats;
            do
            {
                stats = await ReceiveAsync();
                Assert.Equal("stats", stats.GetProperty("type").GetString());
            }
            while (stats.GetProperty("requests").GetInt64() < 2);

            Assert.Equal(2, stats.GetProperty("requests").GetInt64());
            Assert.Equal(0, stats.GetProperty("inFlight").GetInt32());
            Assert.Equal(0, stats.GetProperty("upgraded").GetInt32());
            Assert.Equal(1, stats.GetProperty("exceptions").GetInt64());
            Assert.True(stats.GetProperty("requestTimeMsTotal").GetDouble() >= 0);
            Assert.Equal(0, stats.GetProperty("oldestInFlightMs").GetDouble());
            Assert.Equal(3, stats.GetProperty("worker").GetInt32());

            await host.StopAsync();
            JsonElement stopping;
            do
            {
                stopping = await ReceiveAsync();
            }
            while (stopping.GetProperty("type").GetString() == "stats");

            Assert.Equal("stopping", stopping.GetProperty("type").GetString());
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_missing_supervisor_does_not_stop_the_server()
    {
        Environment.SetEnvironmentVariable(SupervisorAgent.SocketVariable, Path.Combine(_directory.FullName, "nobody.sock"));
        var socketPath = Path.Combine(_directory.FullName, "app.sock");
        using var host = BuildHost(socketPath, static _ => Task.CompletedTask);
        await host.StartAsync();
        Assert.Equal(200, (await UwsgiWire.SendAsync(new UnixDomainSocketEndPoint(socketPath), TestRequest.Get("/"))).StatusCode);
        await host.StopAsync();
    }

    // As a worker of `dotnet-bridge run` is: a generic host with AddBridge(), which starts the agent once it accepts.
    private static IHost BuildHost(string socketPath, GatewayRequestHandler handler)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bridge:Listeners:0:Address"] = "unix:" + socketPath,
            ["Bridge:Listeners:0:Protocol"] = "uwsgi",
        });
        builder.Services.AddBridge(handler);
        return builder.Build();
    }

    private async Task<JsonElement> ReceiveAsync()
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var length = await _supervisor.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        using var document = JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, length));
        return document.RootElement.Clone();
    }
}
