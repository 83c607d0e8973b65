using System.Diagnostics;
using System.Net.Sockets;
using Bridge.Server.Gateway;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>StopAsync: no new connections, in-flight requests finish, idle connections close, socket files go.</summary>
public sealed class GracefulStopTests
{
    public static TheoryData<GatewayProtocol> Gateways => [GatewayProtocol.Uwsgi, GatewayProtocol.FastCgi];

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task An_in_flight_request_completes_during_stop_and_then_the_socket_is_gone(GatewayProtocol gateway)
    {
        var app = new ProbeApplication(new Samples.Echo.EchoApplication());
        await using var server = await TestServer.StartAsync(app);
        using var socket = await server.ConnectAsync();
        var request = TestRequest.Get("/delay/1000");
        await Wire.SendAsync(socket, gateway == GatewayProtocol.Uwsgi ? UwsgiWire.Encode(request) : FastCgiWire.Encode(request, keepConnection: true));
        await app.WaitStartedAsync();

        var stopping = server.Server.StopAsync();

        if (gateway == GatewayProtocol.Uwsgi)
        {
            var response = WireResponse.ParseHttp(await Wire.ReadToEndAsync(socket));
            Assert.Equal(200, response.StatusCode);
            Assert.Equal("ok\n", response.BodyText);
        }
        else
        {
            var reader = new FastCgiReader(socket);
            var exchange = await reader.ReadUntilEndAsync(1);
            exchange.AssertWellFramed();
            Assert.Equal("ok\n", exchange.Response().BodyText);
            Assert.Null(await reader.ReadAsync()); // kept connection closed after its last request
        }

        await stopping.WaitAsync(Wire.Timeout);
        Assert.False(File.Exists(server.SocketPath));
        await Assert.ThrowsAnyAsync<SocketException>(() => Wire.ConnectAsync(server.EndPoint));
        await server.Logs.WaitForAsync(406);
    }

    [Fact]
    public async Task An_idle_kept_alive_fastcgi_connection_is_closed_promptly_by_stop()
    {
        await using var server = await TestServer.StartEchoAsync();
        using var socket = await server.ConnectAsync();
        await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get("/hello"), keepConnection: true));
        (await new FastCgiReader(socket).ReadUntilEndAsync(1)).AssertWellFramed();
        var watch = Stopwatch.StartNew();

        await server.Server.StopAsync().WaitAsync(Wire.Timeout);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"Stop took {watch.Elapsed}.");
        Assert.True(await Wire.ClosesWithinAsync(socket, TimeSpan.FromSeconds(1)));
        Assert.False(server.Logs.Has(404));
    }

    [Fact]
    public async Task A_request_still_running_when_the_shutdown_timeout_passes_is_aborted()
    {
        var app = new ProbeApplication(new Samples.Echo.EchoApplication());
        await using var server = await TestServer.StartAsync(app, configure: (o, _) => o.Limits.ShutdownTimeout = TimeSpan.FromMilliseconds(300));
        using var socket = await server.ConnectAsync();
        await Wire.SendAsync(socket, UwsgiWire.Encode(TestRequest.Get("/delay/10000")));
        await app.WaitStartedAsync();
        var watch = Stopwatch.StartNew();

        await server.Server.StopAsync().WaitAsync(Wire.Timeout);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"Stop took {watch.Elapsed}.");
        await server.Logs.WaitForAsync(404);
        Assert.True((await app.WaitEndedAsync()).Aborted);
    }
}
