using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Bridge.Server.Gateway;
using Bridge.Server.Tests.Infrastructure;
using Bridge.Testing.WebSockets;

namespace Bridge.Server.Tests;

/// <summary>
/// GatewayContext.UpgradeAsync and AcceptWebSocketAsync over a real server, the test playing nginx: the 101 status
/// line, the raw tunnel after it, the refusals (no Upgrade header, FastCGI), what stops applying after the 101
/// (deadline, data rates, the body-read stall), threads and statistics, and the end of the tunnel.
/// </summary>
public sealed class UpgradeTests
{
    private const int UpgradeOverFastCgi = 313;
    private const int AccessLine = 390;
    private const int GoingAway = 410;
    private const int StopTimedOut = 404;

    [Fact]
    public async Task Upgrade_answers_a_101_status_line_then_the_connection_carries_raw_bytes_both_ways()
    {
        var app = new ProbeApplication(async context =>
        {
            context.Response.Headers.Add("Upgrade", "echo");
            var stream = await context.UpgradeAsync();
            var buffer = new byte[64];
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read));
            }
        });
        await using var server = await TestServer.StartAsync(app);
        using var socket = await server.ConnectAsync();
        await Wire.SendAsync(socket, UwsgiWire.Encode(TestRequest.Get("/tunnel").WithHeader("Upgrade", "echo").WithHeader("Connection", "Upgrade")));

        var head = await ReadHeadAsync(socket);
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", head, StringComparison.Ordinal);
        Assert.Equal("Upgrade", RawWebSocket.HeaderValue(head, "Connection"));
        Assert.Equal("echo", RawWebSocket.HeaderValue(head, "Upgrade"));
        Assert.Null(RawWebSocket.HeaderValue(head, "Content-Length"));

        await Wire.SendAsync(socket, "ping"u8.ToArray());
        Assert.Equal("ping", Encoding.ASCII.GetString(await ReadExactlyAsync(socket, 4)));
        Assert.False(server.Logs.Has(AccessLine)); // the line comes when the tunnel ends, as nginx's

        socket.Shutdown(SocketShutdown.Send); // the front end closes: the app's read ends, and so does the tunnel
        Assert.True(await Wire.ClosesWithinAsync(socket, Wire.Timeout));
        var line = await server.Logs.WaitForAsync(AccessLine);
        Assert.Matches(@"^GET /tunnel 101 4 \d+\.\d{3}ms uwsgi$", line.Message);
        Assert.Null((await app.WaitEndedAsync()).Error);
    }

    [Fact]
    public async Task Upgrade_is_refused_with_a_clear_exception_when_the_request_has_no_Upgrade_header()
    {
        var refusal = new TaskCompletionSource<(bool Upgradable, Exception Error)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            var upgradable = context.IsUpgradableRequest;
            var error = await Assert.ThrowsAsync<InvalidOperationException>(context.UpgradeAsync);
            refusal.TrySetResult((upgradable, error));
            context.Response.StatusCode = 400;
            context.Response.ContentLength = 0;
        }));

        var response = await server.GetAsync(GatewayProtocol.Uwsgi, "/no-upgrade");

        Assert.Equal(400, response.StatusCode);
        var (upgradable, error) = await refusal.Task.WaitAsync(Wire.Timeout);
        Assert.False(upgradable);
        Assert.Contains("no Upgrade header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upgrade_over_FastCGI_is_refused_and_logged_with_the_advice_to_use_uwsgi_pass()
    {
        var refusal = new TaskCompletionSource<(bool Upgradable, Exception Error)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            var upgradable = context.IsUpgradableRequest;
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => context.AcceptWebSocketAsync());
            refusal.TrySetResult((upgradable, error));
            context.Response.StatusCode = 400;
            context.Response.ContentLength = 0;
        }));
        var request = TestRequest.Get("/ws") with { Headers = RawWebSocket.UpgradeHeaders("dGhlIHNhbXBsZSBub25jZQ==") };

        var response = await server.SendAsync(GatewayProtocol.FastCgi, request);

        Assert.Equal(400, response.StatusCode);
        var (upgradable, error) = await refusal.Task.WaitAsync(Wire.Timeout);
        Assert.False(upgradable);
        Assert.Contains("uwsgi_pass", error.Message, StringComparison.Ordinal);
        var logged = Assert.Single(server.Logs.Entries, e => e.EventId == UpgradeOverFastCgi); // once per request
        Assert.Contains("uwsgi_pass", logged.Message, StringComparison.Ordinal);
        Assert.Contains("Upgrade: websocket", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_with_a_body_is_not_upgradable()
    {
        var upgradable = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(new DelegateApplication(context =>
        {
            upgradable.TrySetResult(context.IsUpgradableRequest);
            return Task.CompletedTask;
        }));
        var request = TestRequest.Post("/ws", new byte[10]).WithHeader("Upgrade", "websocket");

        Assert.Equal(200, (await server.SendAsync(GatewayProtocol.Uwsgi, request)).StatusCode);
        Assert.False(await upgradable.Task.WaitAsync(Wire.Timeout));
    }

    [Fact]
    public async Task A_handshake_that_is_no_WebSocket_handshake_is_answered_400()
    {
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            using var webSocket = await context.AcceptWebSocketAsync();
        }));
        var request = TestRequest.Get("/ws") with { Headers = RawWebSocket.UpgradeHeaders("too-short") };

        var response = await server.SendAsync(GatewayProtocol.Uwsgi, request);

        Assert.Equal(400, response.StatusCode);
        Assert.Contains("Sec-WebSocket-Key", (await server.Logs.WaitForAsync(311)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Idle_upgraded_connections_hold_no_io_thread()
    {
        const int Tunnels = 16;
        var upgraded = new CountdownEvent(Tunnels);
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            if (!context.IsUpgradableRequest)
            {
                context.Response.ContentLength = 0;
                return;
            }

            var stream = await context.UpgradeAsync(); // completes at once, on the I/O thread that accepted
            upgraded.Signal();
            _ = await stream.ReadAsync(new byte[1]); // idle: waits for readiness, not on that thread
        }));
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < Tunnels; i++)
            {
                var socket = await server.ConnectAsync();
                sockets.Add(socket);
                await Wire.SendAsync(socket, UwsgiWire.Encode(TestRequest.Get("/idle").WithHeader("Upgrade", "raw")));
                Assert.StartsWith("HTTP/1.1 101 ", await ReadHeadAsync(socket), StringComparison.Ordinal);
            }

            Assert.True(upgraded.Wait(Wire.Timeout));

            // A thread held per tunnel would make at least one per tunnel; the I/O threads go back to accepting.
            await EventuallyAsync(() => server.Server.IoThreadCount < Tunnels, $"fewer I/O threads than {Tunnels} idle tunnels (now {server.Server.IoThreadCount})");
            Assert.Equal(200, (await server.GetAsync(GatewayProtocol.Uwsgi, "/hello")).StatusCode);
            Assert.Equal(Tunnels, server.Server.Statistics.Upgraded);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task The_deadline_body_stall_and_data_rates_do_not_cut_an_idle_tunnel()
    {
        var time = new ManualTimeProvider();
        var app = new ProbeApplication(async context =>
        {
            var stream = await context.UpgradeAsync();
            var buffer = new byte[16];
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read));
            }
        });
        await using var server = await TestServer.StartAsync(app, configure: (o, _) =>
        {
            o.Limits.RequestTimeout = TimeSpan.FromSeconds(5);
            o.Limits.BodyReadStallTimeout = TimeSpan.FromSeconds(5);
            o.Limits.MinRequestBodyDataRate = 240;
            o.Limits.MinRequestBodyDataRateGracePeriod = TimeSpan.FromSeconds(1);
            o.Limits.MinResponseDataRate = 240;
            o.Limits.MinResponseDataRateGracePeriod = TimeSpan.FromSeconds(1);
        }, time: time);
        using var socket = await server.ConnectAsync();
        await Wire.SendAsync(socket, UwsgiWire.Encode(TestRequest.Get("/idle").WithHeader("Upgrade", "raw")));
        Assert.StartsWith("HTTP/1.1 101 ", await ReadHeadAsync(socket), StringComparison.Ordinal);

        for (var minute = 0; minute < 10; minute++)
        {
            time.Advance(TimeSpan.FromMinutes(1)); // heartbeats: every limit would have passed many times over
        }

        await Wire.SendAsync(socket, "x"u8.ToArray());
        Assert.Equal("x", Encoding.ASCII.GetString(await ReadExactlyAsync(socket, 1)));
        Assert.False(server.Logs.Has(307) || server.Logs.Has(109) || server.Logs.Has(120) || server.Logs.Has(121), server.Logs.Describe());
    }

    [Fact]
    public async Task A_tunnel_whose_client_reads_nothing_for_minutes_is_not_cut_by_the_response_data_rate()
    {
        const int Length = 8 * 1024 * 1024; // far more than the socket buffers hold: the app's writes wait
        var time = new ManualTimeProvider();
        var app = new ProbeApplication(async context =>
        {
            var stream = await context.UpgradeAsync();
            await stream.WriteAsync(new byte[Length]);
        });
        await using var server = await TestServer.StartAsync(app, configure: (o, _) =>
        {
            o.Limits.MinResponseDataRate = 240;
            o.Limits.MinResponseDataRateGracePeriod = TimeSpan.FromSeconds(1);
        }, time: time);
        using var socket = await server.ConnectAsync();
        await Wire.SendAsync(socket, UwsgiWire.Encode(TestRequest.Get("/flood").WithHeader("Upgrade", "raw")));
        Assert.StartsWith("HTTP/1.1 101 ", await ReadHeadAsync(socket), StringComparison.Ordinal);
        await app.WaitStartedAsync();

        for (var minute = 0; minute < 5; minute++)
        {
            time.Advance(TimeSpan.FromMinutes(1)); // the front end takes nothing meanwhile
        }

        Assert.Equal(Length, (await Wire.ReadToEndAsync(socket)).Length); // all of it, then the end of the tunnel
        Assert.Null((await app.WaitEndedAsync()).Error);
        Assert.False(server.Logs.Has(121), server.Logs.Describe());
    }

    [Fact]
    public async Task GoingAway_lets_an_app_with_a_raw_tunnel_say_goodbye_before_the_stop_cuts_it()
    {
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            var stream = await context.UpgradeAsync();
            var goingAway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = context.GoingAway.Register(() => goingAway.TrySetResult());
            await goingAway.Task;
            await stream.WriteAsync("bye"u8.ToArray());
        }), configure: (o, _) => o.Limits.ShutdownTimeout = TimeSpan.FromSeconds(4));
        using var socket = await server.ConnectAsync();
        await Wire.SendAsync(socket, UwsgiWire.Encode(TestRequest.Get("/tunnel").WithHeader("Upgrade", "raw")));
        Assert.StartsWith("HTTP/1.1 101 ", await ReadHeadAsync(socket), StringComparison.Ordinal);

        var stopping = server.Server.StopAsync();

        Assert.Equal("bye", Encoding.ASCII.GetString(await Wire.ReadToEndAsync(socket))); // then the app returned: closed
        await stopping.WaitAsync(Wire.Timeout);
        Assert.False(server.Logs.Has(StopTimedOut), server.Logs.Describe());
    }

    [Fact]
    public async Task An_upgraded_connection_counts_as_upgraded_not_in_flight_until_it_ends()
    {
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            using var webSocket = await context.AcceptWebSocketAsync();
            var buffer = new byte[16];
            while ((await webSocket.ReceiveAsync(buffer, CancellationToken.None)).MessageType != WebSocketMessageType.Close)
            {
            }
        }));
        using var socket = await server.ConnectAsync();
        using var client = await RawWebSocket.HandshakeAsync(socket, key => UwsgiWire.Encode(TestRequest.Get("/ws") with { Headers = RawWebSocket.UpgradeHeaders(key) }));

        await EventuallyAsync(() => server.Server.Statistics.Upgraded == 1, "one upgraded connection");
        Assert.Equal(0, server.Server.Statistics.InFlight);
        Assert.Equal(1, server.Server.Statistics.Requests);

        socket.Close(); // vanishes without a close frame
        await EventuallyAsync(() => server.Server.Statistics.Upgraded == 0 && server.Server.ConnectionCount == 0, "the tunnel's end");
        Assert.Equal(1, server.Server.Statistics.Requests);
    }

    [Fact]
    public async Task The_connection_limit_counts_upgraded_connections()
    {
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            if (context.IsUpgradableRequest)
            {
                var stream = await context.UpgradeAsync();
                _ = await stream.ReadAsync(new byte[1]);
                return;
            }

            context.Response.ContentLength = 0;
        }), configure: (o, _) => o.Limits.MaxConcurrentConnections = 1);
        using var tunnel = await server.ConnectAsync();
        await Wire.SendAsync(tunnel, UwsgiWire.Encode(TestRequest.Get("/tunnel").WithHeader("Upgrade", "raw")));
        Assert.StartsWith("HTTP/1.1 101 ", await ReadHeadAsync(tunnel), StringComparison.Ordinal);

        using var waiting = await server.ConnectAsync(); // queued in the listen backlog: the one slot is the tunnel's
        await Wire.SendAsync(waiting, UwsgiWire.Encode(TestRequest.Get("/plain")));
        await Wire.AssertQuietAsync(waiting, TimeSpan.FromMilliseconds(300));

        tunnel.Close(); // the tunnel ends: its slot serves the waiting connection
        Assert.Equal(200, WireResponse.ParseHttp(await Wire.ReadToEndAsync(waiting)).StatusCode);
    }

    [Fact]
    public async Task Graceful_stop_closes_an_open_WebSocket_with_1001_before_the_shutdown_timeout_cuts_it()
    {
        var app = new ProbeApplication(new Samples.Echo.EchoApplication());
        await using var server = await TestServer.StartAsync(app, configure: (o, _) => o.Limits.ShutdownTimeout = TimeSpan.FromSeconds(4));
        using var socket = await server.ConnectAsync();
        using var client = await RawWebSocket.HandshakeAsync(socket, key => UwsgiWire.Encode(TestRequest.Get("/ws") with { Headers = RawWebSocket.UpgradeHeaders(key) }));
        await client.SendFrameAsync(RawWebSocket.Text, "before"u8);
        Assert.Equal("before", Encoding.UTF8.GetString((await client.ReadMessageAsync()).Payload));

        var stopping = server.Server.StopAsync();
        var (_, opcode, payload) = await client.ReadFrameAsync();

        Assert.Equal(RawWebSocket.Close, opcode);
        Assert.Equal(1001, payload[0] << 8 | payload[1]);
        Assert.True(server.Logs.Has(GoingAway));
        await client.SendFrameAsync(RawWebSocket.Close, RawWebSocket.ClosePayload(1001));
        Assert.True(await client.ClosesWithinAsync(Wire.Timeout)); // the close handshake done, the server closes
        await stopping.WaitAsync(Wire.Timeout);
        Assert.False(server.Logs.Has(StopTimedOut), server.Logs.Describe());
        Assert.Null((await app.WaitEndedAsync()).Error);
    }

    [Fact]
    public async Task A_WebSocket_left_by_its_client_ends_its_request_and_frees_its_connection()
    {
        var app = new ProbeApplication(new Samples.Echo.EchoApplication());
        await using var server = await TestServer.StartAsync(app);
        using var socket = await server.ConnectAsync();
        using var client = await RawWebSocket.HandshakeAsync(socket, key => UwsgiWire.Encode(TestRequest.Get("/ws") with { Headers = RawWebSocket.UpgradeHeaders(key) }));
        await client.SendFrameAsync(RawWebSocket.Binary, new byte[] { 1, 2, 3 });
        Assert.Equal(new byte[] { 1, 2, 3 }, (await client.ReadMessageAsync()).Payload);

        socket.Close(); // no close frame
        var ended = await app.WaitEndedAsync();

        Assert.True(ended.Aborted);
        await EventuallyAsync(() => server.Server.ConnectionCount == 0 && server.Server.Statistics.Upgraded == 0, "the connection freed");
        Assert.Contains(server.Logs.Entries, e => e.EventId == AccessLine && e.Message.StartsWith("GET /ws 101 ", StringComparison.Ordinal));
    }

    // Polls a condition that no event announces (a counter), bounded by Wire.Timeout.
    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wire.Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"No {what} within {Wire.Timeout}.");
            await Task.Delay(10);
        }
    }

    private static async Task<string> ReadHeadAsync(Socket socket)
    {
        var head = new List<byte>();
        var one = new byte[1];
        using var cts = Wire.TimeoutSource();
        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            Assert.Equal(1, await socket.ReceiveAsync(one, SocketFlags.None, cts.Token));
            head.Add(one[0]);
        }

        return Encoding.Latin1.GetString(head.ToArray());
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        using var cts = Wire.TimeoutSource();
        for (var read = 0; read < count;)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cts.Token);
            Assert.True(n > 0, "The connection closed.");
            read += n;
        }

        return buffer;
    }
}
