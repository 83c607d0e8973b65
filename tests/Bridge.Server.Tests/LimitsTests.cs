using System.Net.Sockets;
using System.Threading.Channels;
using Bridge.Server.Gateway;
using Bridge.Server.Options;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>Sizes and timeouts give their documented answers. Timeouts run on a manual clock.</summary>
public sealed class LimitsTests
{
    public static TheoryData<GatewayProtocol> Gateways => [GatewayProtocol.Uwsgi, GatewayProtocol.FastCgi];

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task A_content_length_over_max_request_body_size_is_answered_413_without_running_the_app(GatewayProtocol gateway)
    {
        var app = new ProbeApplication(new Samples.Echo.EchoApplication());
        await using var server = await TestServer.StartAsync(app, configure: (o, _) => o.Limits.MaxRequestBodySize = 1000);

        var response = await server.SendAsync(gateway, new TestRequest("POST", "/upload") { Body = new byte[5000] });

        Assert.Equal(413, response.StatusCode);
        Assert.Equal("0", response.Header("Content-Length"));
        Assert.False(app.AnyStarted);
        await server.Logs.WaitForAsync(202);
        Assert.Equal(200, (await server.SendAsync(gateway, new TestRequest("POST", "/upload") { Body = new byte[1000] })).StatusCode);
    }

    [Fact]
    public async Task A_fastcgi_body_without_content_length_streaming_past_the_limit_is_answered_413()
    {
        await using var server = await TestServer.StartEchoAsync(configure: (o, _) => o.Limits.MaxRequestBodySize = 1000);
        var request = new TestRequest("POST", "/upload") { Body = new byte[5000], ContentLength = "" };

        var exchange = await FastCgiWire.SendAsync(server.EndPoint, request);

        exchange.AssertWellFramed();
        Assert.Equal(413, exchange.Response().StatusCode);
    }

    [Fact]
    public async Task A_uwsgi_vars_block_over_max_vars_block_size_is_answered_431()
    {
        var app = new ProbeApplication(new Samples.Echo.EchoApplication());
        await using var server = await TestServer.StartAsync(app, configure: (o, _) => o.Limits.MaxVarsBlockSize = 300);
        var request = TestRequest.Get("/hello") with { Headers = [("Host", "h"), ("Cookie", new string('c', 400))] };

        var response = await UwsgiWire.SendAsync(server.EndPoint, request);

        Assert.Equal(431, response.StatusCode);
        Assert.False(app.AnyStarted);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task A_request_head_that_does_not_arrive_within_request_head_timeout_closes_the_connection(GatewayProtocol gateway)
    {
        var time = new ManualTimeProvider();
        await using var server = await TestServer.StartEchoAsync(configure: (o, _) => o.Limits.RequestHeadTimeout = TimeSpan.FromSeconds(5), time: time);
        using var socket = await server.ConnectAsync();
        var whole = gateway == GatewayProtocol.Uwsgi ? UwsgiWire.Encode(TestRequest.Get("/hello")) : FastCgiWire.Encode(TestRequest.Get("/hello"));
        await Wire.SendAsync(socket, whole.AsMemory(0, 12));
        await server.Logs.WaitForAsync(101); // accepted: logged as the head timer starts

        time.Advance(TimeSpan.FromSeconds(4));
        await Wire.AssertQuietAsync(socket, TimeSpan.FromMilliseconds(200));
        await AdvanceUntilClosedAsync(time, socket);

        await server.Logs.WaitForAsync(108);
    }

    [Fact]
    public async Task A_body_that_stalls_longer_than_body_read_stall_timeout_closes_the_connection()
    {
        var time = new ManualTimeProvider();
        var reads = Channel.CreateUnbounded<long>();
        var app = new ProbeApplication(context => ReadBodyAsync(context, reads.Writer));
        await using var server = await TestServer.StartAsync(app, configure: (o, _) => { o.Limits.BodyReadStallTimeout = TimeSpan.FromSeconds(10); o.Limits.MinRequestBodyDataRate = null; }, time: time);
        using var socket = await server.ConnectAsync();
        var whole = UwsgiWire.Encode(new TestRequest("POST", "/upload") { Body = new byte[10_000] });
        await Wire.SendAsync(socket, whole.AsMemory(0, whole.Length - 5000));
        await WaitUntilAllReadAsync(reads.Reader, 5000); // and the app reads again: the server now waits for the rest

        time.Advance(TimeSpan.FromSeconds(8));
        await Wire.AssertQuietAsync(socket, TimeSpan.FromMilliseconds(200));
        await AdvanceUntilClosedAsync(time, socket);

        await server.Logs.WaitForAsync(109);
        var ended = await app.WaitEndedAsync();
        Assert.True(ended.Aborted || ended.Error is not null, "The app went on as if the body were whole.");
    }

    [Fact]
    public async Task A_fastcgi_body_that_stalls_longer_than_body_read_stall_timeout_closes_the_connection()
    {
        var time = new ManualTimeProvider();
        var reads = Channel.CreateUnbounded<long>();
        var app = new ProbeApplication(context => ReadBodyAsync(context, reads.Writer));
        await using var server = await TestServer.StartAsync(app, configure: (o, _) => { o.Limits.BodyReadStallTimeout = TimeSpan.FromSeconds(10); o.Limits.MinRequestBodyDataRate = null; }, time: time);
        using var socket = await server.ConnectAsync();
        var request = new TestRequest("POST", "/upload") { Body = new byte[10_000] };
        byte[] partial = [.. FastCgiWire.Begin(1, keepConnection: true),
            .. FastCgiWire.Stream(FastCgiWire.Params, 1, FastCgiWire.NameValuePairs(request.Variables())),
            .. FastCgiWire.Stream(FastCgiWire.Stdin, 1, new byte[5000], close: false)];
        await Wire.SendAsync(socket, partial);
        await WaitUntilAllReadAsync(reads.Reader, 5000); // the read loop has passed the 5000 bytes on and waits for more

        time.Advance(TimeSpan.FromSeconds(8));
        await Wire.AssertQuietAsync(socket, TimeSpan.FromMilliseconds(200));
        await AdvanceUntilClosedAsync(time, socket);

        await server.Logs.WaitForAsync(109);
    }

    [Fact]
    public async Task An_idle_kept_fastcgi_connection_is_closed_after_fastcgi_keep_alive_timeout()
    {
        var time = new ManualTimeProvider();
        await using var server = await TestServer.StartEchoAsync(configure: (o, _) => o.Limits.FastCgiKeepAliveTimeout = TimeSpan.FromSeconds(10), time: time);
        using var socket = await server.ConnectAsync();
        await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get("/hello"), keepConnection: true));
        (await new FastCgiReader(socket).ReadUntilEndAsync(1)).AssertWellFramed(); // the idle timer starts as END_REQUEST leaves

        time.Advance(TimeSpan.FromSeconds(8));
        await Wire.AssertQuietAsync(socket, TimeSpan.FromMilliseconds(200));
        await AdvanceUntilClosedAsync(time, socket);

        await server.Logs.WaitForAsync(110);
    }

    [Fact]
    public async Task With_max_concurrent_connections_1_a_second_connection_waits_until_the_first_finishes()
    {
        var echo = new Samples.Echo.EchoApplication();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var events = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var app = new ProbeApplication(async context =>
        {
            events.Enqueue("start " + context.Request.Path);
            if (context.Request.Path == "/held")
            {
                await release.Task.WaitAsync(Wire.Timeout); // holds the only connection slot until released
            }

            await echo.ProcessAsync(context);
            events.Enqueue("end " + context.Request.Path);
        });
        await using var server = await TestServer.StartAsync(app, configure: (o, _) => o.Limits.MaxConcurrentConnections = 1);

        var first = UwsgiWire.SendAsync(server.EndPoint, TestRequest.Get("/held"));
        Assert.Equal("/held", await app.WaitStartedAsync());
        var second = UwsgiWire.SendAsync(server.EndPoint, TestRequest.Get("/hello"));
        await server.Logs.WaitForAsync(112); // the acceptors wait for a slot

        Assert.False(second.IsCompleted);
        Assert.False(app.AnyStarted);
        release.TrySetResult();
        Assert.Equal(200, (await second).StatusCode);
        Assert.Equal(404, (await first).StatusCode); // Echo has no /held
        Assert.Equal(["start /held", "end /held", "start /hello", "end /hello"], events.ToArray());
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task A_request_past_request_timeout_gets_504_while_another_on_its_own_connection_gets_200(GatewayProtocol gateway)
    {
        var time = new ManualTimeProvider();
        var app = new ProbeApplication(new Samples.Echo.EchoApplication());
        await using var server = await TestServer.StartAsync(app, configure: (o, _) => o.Limits.RequestTimeout = TimeSpan.FromSeconds(5), time: time);

        var slow = server.GetAsync(gateway, "/delay/600000"); // 10 minutes: only the deadline on the manual clock can end it in time
        await app.WaitStartedAsync();
        for (var i = 0; i < 10 && !slow.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(slow, Task.Delay(50)); // the answer, or the next second of the manual clock
        }

        var quick = await server.GetAsync(gateway, "/hello");

        var timedOut = await slow;
        Assert.Equal(504, timedOut.StatusCode);
        Assert.Equal(200, quick.StatusCode);
        Assert.Equal("hello world\n", quick.BodyText);
        await server.Logs.WaitForAsync(307);
    }

    // Reads the body, reporting before each read how many bytes it has read so far.
    private static async Task ReadBodyAsync(GatewayContext context, ChannelWriter<long> reads)
    {
        long total = 0;
        while (true)
        {
            reads.TryWrite(total);
            var result = await context.Request.Body.ReadAsync(context.RequestAborted);
            total += result.Buffer.Length;
            context.Request.Body.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    // Waits until the app is about to read again with all of `sent` bytes read.
    private static async Task WaitUntilAllReadAsync(ChannelReader<long> reads, long sent)
    {
        using var timeout = Wire.TimeoutSource();
        try
        {
            while (await reads.ReadAsync(timeout.Token) < sent)
            {
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The app did not read the {sent} bytes sent.");
        }
    }

    // Advances one second at a time (the heartbeat's period) until the server closes the connection.
    private static async Task AdvanceUntilClosedAsync(ManualTimeProvider time, Socket socket)
    {
        for (var i = 0; i < 20; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            if (await Wire.ClosesWithinAsync(socket, TimeSpan.FromMilliseconds(100)))
            {
                return;
            }
        }

        // 20 s (manual clock) past the limit: the close is due; a busy machine may take a while to carry it out.
        Assert.True(await Wire.ClosesWithinAsync(socket, Wire.Timeout), "The connection stayed open 20 s (manual clock) past the timeout.");
    }
}
