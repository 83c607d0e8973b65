using System.Net.Sockets;
using Bridge.Server.Gateway;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>
/// StopAsync: no new connections, in-flight requests finish, idle connections close, socket files go. No timing
/// is asserted: each test is built so that only the behaviour under test can end it within the bounded waits
/// (a request that only ends when released, a shutdown timeout far longer than any wait).
/// </summary>
public sealed class GracefulStopTests
{
    private const int Stopping = 403;
    private const int StopTimedOut = 404;
    private const int Stopped = 406;
    private static readonly TimeSpan Never = TimeSpan.FromMinutes(10);

    public static TheoryData<GatewayProtocol> Gateways => [GatewayProtocol.Uwsgi, GatewayProtocol.FastCgi];

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task An_in_flight_request_completes_during_stop_and_then_the_socket_is_gone(GatewayProtocol gateway)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = new ProbeApplication(async context =>
        {
            await release.Task.WaitAsync(Wire.Timeout); // in flight until the test says so
            context.Response.ContentLength = 3;
            await context.Response.Body.WriteAsync("ok\n"u8.ToArray());
        });
        await using var server = await TestServer.StartAsync(app, configure: (o, _) => o.Limits.ShutdownTimeout = Never);
        using var socket = await server.ConnectAsync();
        var request = TestRequest.Get("/in-flight");
        await Wire.SendAsync(socket, gateway == GatewayProtocol.Uwsgi ? UwsgiWire.Encode(request) : FastCgiWire.Encode(request, keepConnection: true));
        await app.WaitStartedAsync();

        var stopping = server.Server.StopAsync();
        await server.Logs.WaitForAsync(Stopping);
        Assert.False(stopping.IsCompleted); // waits for the request
        release.TrySetResult();

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
        Assert.False((await app.WaitEndedAsync()).Aborted);
        Assert.False(File.Exists(server.SocketPath));
        await Assert.ThrowsAnyAsync<SocketException>(() => Wire.ConnectAsync(server.EndPoint));
        await server.Logs.WaitForAsync(Stopped);
        Assert.False(server.Logs.Has(StopTimedOut));
    }

    [Fact]
    public async Task An_idle_kept_alive_fastcgi_connection_is_closed_by_stop_without_waiting_for_the_shutdown_timeout()
    {
        await using var server = await TestServer.StartEchoAsync(configure: (o, _) => o.Limits.ShutdownTimeout = Never);
        using var socket = await server.ConnectAsync();
        await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get("/hello"), keepConnection: true));
        (await new FastCgiReader(socket).ReadUntilEndAsync(1)).AssertWellFramed();

        await server.Server.StopAsync().WaitAsync(Wire.Timeout); // the timeout is 10 minutes: only closing the idle connection ends this

        Assert.True(await Wire.ClosesWithinAsync(socket, Wire.Timeout));
        Assert.False(server.Logs.Has(StopTimedOut));
    }

    [Fact]
    public async Task A_request_still_running_when_the_shutdown_timeout_passes_is_aborted()
    {
        var app = new ProbeApplication(context => Task.Delay(System.Threading.Timeout.Infinite, context.RequestAborted)); // ends only when aborted
        await using var server = await TestServer.StartAsync(app, configure: (o, _) => o.Limits.ShutdownTimeout = TimeSpan.FromMilliseconds(300));
        using var socket = await server.ConnectAsync();
        await Wire.SendAsync(socket, UwsgiWire.Encode(TestRequest.Get("/forever")));
        await app.WaitStartedAsync();

        await server.Server.StopAsync().WaitAsync(Wire.Timeout);

        await server.Logs.WaitForAsync(StopTimedOut);
        Assert.True((await app.WaitEndedAsync()).Aborted);
    }
}
