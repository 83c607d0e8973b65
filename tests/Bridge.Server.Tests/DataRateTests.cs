using System.Net.Sockets;
using Bridge.Server.Gateway;
using Bridge.Server.Options;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>
/// Bridge:Limits:MinRequestBodyDataRate and MinResponseDataRate: a front end that trickles its body, or stops
/// reading the response, is cut after the grace period with a log line, and the server goes on serving.
/// </summary>
public sealed class DataRateTests
{
    public static TheoryData<GatewayProtocol> Gateways => new() { GatewayProtocol.Uwsgi, GatewayProtocol.FastCgi };

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task A_body_trickling_slower_than_the_minimum_rate_is_cut_after_the_grace_period(GatewayProtocol gateway)
    {
        var time = new ManualTimeProvider();
        var app = new ProbeApplication(new Samples.Echo.EchoApplication());
        await using var server = await TestServer.StartAsync(app, configure: (o, _) =>
        {
            o.Limits.MinRequestBodyDataRate = 240;
            o.Limits.MinRequestBodyDataRateGracePeriod = TimeSpan.FromSeconds(5);
        }, time: time);
        using var socket = await server.ConnectAsync();
        var request = new TestRequest("POST", "/upload") { Body = new byte[1_000_000] };
        await Wire.SendAsync(socket, Head(gateway, request));
        await app.WaitStartedAsync();

        // One byte per (manual) second: far below 240 bytes/s. Within the grace period the connection stays.
        for (var second = 0; second < 4; second++)
        {
            await Wire.SendAsync(socket, Body(gateway, new byte[1]));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        await Wire.AssertQuietAsync(socket, TimeSpan.FromMilliseconds(200));
        await AdvanceUntilClosedAsync(time, socket, () => Wire.SendAsync(socket, Body(gateway, new byte[1])));

        var cut = await server.Logs.WaitForAsync(120);
        Assert.Contains("MinRequestBodyDataRate", cut.Message, StringComparison.Ordinal);
        var ended = await app.WaitEndedAsync();
        Assert.True(ended.Aborted || ended.Error is not null, "The app went on as if the body were whole.");
        Assert.Equal(200, (await server.GetAsync(gateway, "/hello")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task A_body_at_a_good_rate_is_never_cut_however_long_it_takes(GatewayProtocol gateway)
    {
        var time = new ManualTimeProvider();
        await using var server = await TestServer.StartEchoAsync(configure: (o, _) => o.Limits.MinRequestBodyDataRate = 240, time: time);
        using var socket = await server.ConnectAsync();
        var request = new TestRequest("POST", "/upload") { Body = new byte[300 * 12] };
        await Wire.SendAsync(socket, Head(gateway, request));

        // 300 bytes per (manual) second for 12 s: above the rate the whole time.
        for (var second = 0; second < 12; second++)
        {
            await Wire.SendAsync(socket, Body(gateway, new byte[300], last: second == 11));
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        var response = gateway == GatewayProtocol.Uwsgi
            ? WireResponse.ParseHttp(await Wire.ReadHttpResponseAsync(socket))
            : (await new FastCgiReader(socket).ReadUntilEndAsync(1)).Response();
        Assert.Equal(200, response.StatusCode);
        Assert.Contains("\"bodyLength\":3600", response.BodyText.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.False(server.Logs.Has(120));
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task A_front_end_that_stops_reading_the_response_is_cut_after_the_grace_period(GatewayProtocol gateway)
    {
        var time = new ManualTimeProvider();
        var app = new ProbeApplication(new Samples.Echo.EchoApplication());
        await using var server = await TestServer.StartAsync(app, configure: (o, _) =>
        {
            o.Limits.MinResponseDataRate = 240;
            o.Limits.MinResponseDataRateGracePeriod = TimeSpan.FromSeconds(5);
        }, time: time);
        using var socket = await server.ConnectAsync();
        socket.ReceiveBufferSize = 4096;
        await Wire.SendAsync(socket, gateway == GatewayProtocol.Uwsgi
            ? UwsgiWire.Encode(TestRequest.Get("/bytes/1000000000"))
            : FastCgiWire.Encode(TestRequest.Get("/bytes/1000000000")));
        await app.WaitStartedAsync();

        // Nothing is read: the socket buffers fill and the server's write waits for the front end.
        await Task.Delay(300);
        await AdvanceUntilCutAsync(time, server);

        var ended = await app.WaitEndedAsync();
        Assert.True(ended.Aborted || ended.Error is not null, "The app went on writing to a front end that was cut.");
        Assert.Equal(200, (await server.GetAsync(gateway, "/hello")).StatusCode);
    }

    private static byte[] Head(GatewayProtocol gateway, TestRequest request)
    {
        if (gateway == GatewayProtocol.Uwsgi)
        {
            var whole = UwsgiWire.Encode(request);
            return whole[..^request.Body.Length];
        }

        return [.. FastCgiWire.Begin(1, keepConnection: true), .. FastCgiWire.Stream(FastCgiWire.Params, 1, FastCgiWire.NameValuePairs(request.Variables()))];
    }

    private static byte[] Body(GatewayProtocol gateway, byte[] bytes, bool last = false)
        => gateway == GatewayProtocol.Uwsgi ? bytes : FastCgiWire.Stream(FastCgiWire.Stdin, 1, bytes, close: last);

    // One (manual) second at a time, feeding the front end's trickle, until the server closes the connection.
    private static async Task AdvanceUntilClosedAsync(ManualTimeProvider time, Socket socket, Func<Task> trickle)
    {
        for (var i = 0; i < 20; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            if (await Wire.ClosesWithinAsync(socket, TimeSpan.FromMilliseconds(100)))
            {
                return;
            }

            try
            {
                await trickle();
            }
            catch (SocketException)
            {
                return; // closed while sending
            }
        }

        Assert.Fail("The connection stayed open 20 s (manual clock) past the grace period.");
    }

    private static async Task AdvanceUntilCutAsync(ManualTimeProvider time, TestServer server)
    {
        for (var i = 0; i < 20; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50);
            if (server.Logs.Has(121))
            {
                return;
            }
        }

        Assert.Fail("The server kept writing to a front end that read nothing for 20 s (manual clock).");
    }
}
