using System.Net.WebSockets;
using System.Text;
using Bridge.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Bridge.Testing.WebSockets;

namespace Bridge.AspNetCore.Tests;

/// <summary>
/// IHttpUpgradeFeature and ASP.NET Core's own WebSocket middleware on Bridge: upgradable only where nginx tunnels
/// (uwsgi, an Upgrade header), the middleware's handshake and WebSocket unchanged, a graceful stop that closes the
/// middleware's WebSockets with 1001.
/// </summary>
public sealed class UpgradeTests
{
    private const int UpgradeOverFastCgi = 313;

    [Theory]
    [InlineData(Front.Uwsgi, true)]
    [InlineData(Front.FastCgi, false)]
    public async Task IsUpgradableRequest_is_true_only_over_uwsgi_with_an_Upgrade_header(Front front, bool expected)
    {
        await using var app = await BridgeApp.StartAsync(web => web.MapGet(
            "/upgradable",
            (HttpContext context) => context.Features.GetRequiredFeature<IHttpUpgradeFeature>().IsUpgradableRequest ? "yes" : "no"));

        var withUpgrade = await app.SendAsync(front, TestRequest.Get("/upgradable").WithHeader("Upgrade", "websocket"));
        var without = await app.SendAsync(front, TestRequest.Get("/upgradable"));

        Assert.Equal(expected ? "yes" : "no", withUpgrade.BodyText);
        Assert.Equal("no", without.BodyText);
        Assert.Equal(expected ? 0 : 1, app.Logs.Count(UpgradeOverFastCgi)); // FastCGI with Upgrade: logged, naming uwsgi_pass
    }

    [Fact]
    public async Task The_WebSocket_middleware_accepts_and_echoes_over_uwsgi()
    {
        await using var app = await BridgeApp.StartAsync(web =>
        {
            web.UseWebSockets();
            web.Map("/ws", EchoAsync);
        });
        using var socket = await app.ConnectAsync();
        using var client = await RawWebSocket.HandshakeAsync(socket, key => UwsgiWire.Encode(TestRequest.Get("/ws") with { Headers = RawWebSocket.UpgradeHeaders(key) }));

        await client.SendFrameAsync(RawWebSocket.Text, "over the middleware"u8);
        var (opcode, payload) = await client.ReadMessageAsync();
        Assert.Equal(RawWebSocket.Text, opcode);
        Assert.Equal("over the middleware", Encoding.UTF8.GetString(payload));

        await client.SendFrameAsync(RawWebSocket.Close, RawWebSocket.ClosePayload(1000));
        var (_, closeOpcode, closePayload) = await client.ReadFrameAsync();
        Assert.Equal(RawWebSocket.Close, closeOpcode);
        Assert.Equal(1000, closePayload[0] << 8 | closePayload[1]);
        Assert.True(await client.ClosesWithinAsync(Wire.Timeout));
    }

    [Fact]
    public async Task Over_FastCGI_the_middleware_sees_no_WebSocket_request_and_Bridge_logs_why()
    {
        await using var app = await BridgeApp.StartAsync(web =>
        {
            web.UseWebSockets();
            web.Map("/ws", EchoAsync);
        });

        var response = await app.SendAsync(Front.FastCgi, TestRequest.Get("/ws") with { Headers = RawWebSocket.UpgradeHeaders("dGhlIHNhbXBsZSBub25jZQ==") });

        Assert.Equal(400, response.StatusCode);
        Assert.Contains("uwsgi_pass", (await app.Logs.WaitForAsync(UpgradeOverFastCgi)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_graceful_stop_closes_the_middlewares_WebSocket_with_1001()
    {
        var app = await BridgeApp.StartAsync(
            web =>
            {
                web.UseWebSockets();
                web.Map("/ws", EchoAsync);
            },
            bridge: options => options.Limits.ShutdownTimeout = TimeSpan.FromSeconds(4));
        await using (app)
        {
            using var socket = await app.ConnectAsync();
            using var client = await RawWebSocket.HandshakeAsync(socket, key => UwsgiWire.Encode(TestRequest.Get("/ws") with { Headers = RawWebSocket.UpgradeHeaders(key) }));
            await client.SendFrameAsync(RawWebSocket.Binary, new byte[] { 7 });
            Assert.Equal(new byte[] { 7 }, (await client.ReadMessageAsync()).Payload);

            var stopping = app.App.StopAsync();
            var (_, opcode, payload) = await client.ReadFrameAsync();

            Assert.Equal(RawWebSocket.Close, opcode);
            Assert.Equal(1001, payload[0] << 8 | payload[1]);
            await client.SendFrameAsync(RawWebSocket.Close, RawWebSocket.ClosePayload(1001));
            Assert.True(await client.ClosesWithinAsync(Wire.Timeout));
            await stopping.WaitAsync(Wire.Timeout);
            Assert.False(app.Logs.Has(404), app.Logs.Describe()); // ended before the timeout's cut
        }
    }

    [Fact]
    public async Task A_WebSocket_its_app_drops_once_the_host_is_stopping_gets_1001_from_the_server()
    {
        // As SignalR does: at ApplicationStopping it cancels its WebSockets' receives (which aborts them) and returns,
        // without a close frame.
        var app = await BridgeApp.StartAsync(web =>
        {
            web.UseWebSockets();
            web.Map("/ws", async (HttpContext context, IHostApplicationLifetime lifetime) =>
            {
                using var webSocket = await context.WebSockets.AcceptWebSocketAsync();
                try
                {
                    while (true)
                    {
                        await webSocket.ReceiveAsync(new byte[16], lifetime.ApplicationStopping);
                    }
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
                {
                }
            });
        });
        await using (app)
        {
            using var socket = await app.ConnectAsync();
            using var client = await RawWebSocket.HandshakeAsync(socket, key => UwsgiWire.Encode(TestRequest.Get("/ws") with { Headers = RawWebSocket.UpgradeHeaders(key) }));

            var stopping = app.App.StopAsync();
            var (_, opcode, payload) = await client.ReadFrameAsync();

            Assert.Equal(RawWebSocket.Close, opcode);
            Assert.Equal(1001, payload[0] << 8 | payload[1]);
            Assert.True(await client.ClosesWithinAsync(Wire.Timeout));
            await stopping.WaitAsync(Wire.Timeout);
        }
    }

    private static async Task EchoAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        using var webSocket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[1024];
        while (true)
        {
            var received = await webSocket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                if (webSocket.State == WebSocketState.CloseReceived)
                {
                    await webSocket.CloseOutputAsync(webSocket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                }

                return;
            }

            await webSocket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
        }
    }
}
