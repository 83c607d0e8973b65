using System.Net;
using System.Net.Sockets;
using Bridge.Server.Gateway;
using Bridge.Server.Options;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>
/// Faults on the transport, with real sockets: a front end that resets mid-body, closes with the body unread, or
/// leaves an app blocked in a body read past its deadline. Each time the request ends as it should and the server
/// answers the next good request.
/// </summary>
public sealed class TransportFaultTests
{
    public static TheoryData<GatewayProtocol> Gateways => new() { GatewayProtocol.Uwsgi, GatewayProtocol.FastCgi };

    [Fact]
    public async Task Uwsgi_nginx_closing_while_the_body_is_unread_fires_request_aborted()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = new ProbeApplication(async context =>
        {
            if (context.Request.Path != "/slow")
            {
                return;
            }

            // Never reads its body: waits for the front end to give up, as a slow handler would.
            using var registration = context.RequestAborted.Register(() => aborted.TrySetResult());
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        await using var server = await TestServer.StartAsync(app, ListenerProtocol.Uwsgi);
        using (var socket = await server.ConnectAsync())
        {
            await Wire.SendAsync(socket, UwsgiWire.Encode(new TestRequest("POST", "/slow") { Body = new byte[50_000] }));
            await app.WaitStartedAsync();
            await Task.Yield();
        }

        await aborted.Task.WaitAsync(Wire.Timeout);
        var ended = await app.WaitEndedAsync();
        Assert.True(ended.Aborted);
        Assert.Equal(200, (await server.GetAsync(GatewayProtocol.Uwsgi, "/")).StatusCode);
    }

    [Fact]
    public async Task A_deadline_wakes_an_app_blocked_in_a_body_read_on_its_io_thread_and_answers_504()
    {
        var time = new ManualTimeProvider();
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = new ProbeApplication(async context =>
        {
            // The first read runs inline on the I/O thread and blocks it in poll: no body byte comes.
            reading.TrySetResult();
            var result = await context.Request.Body.ReadAsync();
            context.Request.Body.AdvanceTo(result.Buffer.End);
        });
        await using var server = await TestServer.StartAsync(app, ListenerProtocol.Uwsgi, (o, _) => o.Limits.RequestTimeout = TimeSpan.FromSeconds(5), time);
        using var socket = await server.ConnectAsync();
        var whole = UwsgiWire.Encode(new TestRequest("POST", "/read") { Body = new byte[1000] });
        await Wire.SendAsync(socket, whole.AsMemory(0, whole.Length - 1000));
        await reading.Task.WaitAsync(Wire.Timeout);

        var response = ReadResponseAsync(socket);
        for (var i = 0; i < 10 && !response.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(response, Task.Delay(100));
        }

        Assert.Equal(504, (await response.WaitAsync(Wire.Timeout)).StatusCode);
        var ended = await app.WaitEndedAsync();
        Assert.IsType<RequestAbortedException>(ended.Error);
        Assert.Equal(200, (await server.GetAsync(GatewayProtocol.Uwsgi, "/")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task A_front_end_that_resets_mid_body_ends_the_request_and_the_next_is_answered(GatewayProtocol gateway)
    {
        var app = new ProbeApplication(new Samples.Echo.EchoApplication());
        await using var server = await TestServer.StartAsync(app, configure: (o, _) =>
        {
            o.Listeners.Clear();
            o.Listeners.Add(new BridgeListenerOptions { Address = "tcp:127.0.0.1:0" });
        });
        var endPoint = IPEndPoint.Parse(server.Server.Addresses[0]["tcp:".Length..]);
        var request = new TestRequest("POST", "/upload") { Body = new byte[200_000] };
        var whole = gateway == GatewayProtocol.Uwsgi ? UwsgiWire.Encode(request) : FastCgiWire.Encode(request, keepConnection: true);
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(endPoint);
            await Wire.SendAsync(socket, whole.AsMemory(0, whole.Length / 2));
            await app.WaitStartedAsync();
            socket.LingerState = new LingerOption(true, 0); // close with RST, as a front end killed mid-request
        }

        var ended = await app.WaitEndedAsync();
        Assert.True(ended.Aborted || ended.Error is not null, "The app took a cut body for a whole one.");
        using var next = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await next.ConnectAsync(endPoint);
        await Wire.SendAsync(next, gateway == GatewayProtocol.Uwsgi ? UwsgiWire.Encode(TestRequest.Get("/hello")) : FastCgiWire.Encode(TestRequest.Get("/hello")));
        var answer = gateway == GatewayProtocol.Uwsgi
            ? WireResponse.ParseHttp(await Wire.ReadHttpResponseAsync(next))
            : (await new FastCgiReader(next).ReadUntilEndAsync(1)).Response();
        Assert.Equal("hello world\n", answer.BodyText);
    }

    private static async Task<WireResponse> ReadResponseAsync(Socket socket) => WireResponse.ParseHttp(await Wire.ReadHttpResponseAsync(socket, TimeSpan.FromSeconds(30)));
}
