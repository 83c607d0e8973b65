using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Bridge.Testing.FrontEnd;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Testing.WebSockets;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace Bridge.Integration.Tests;

[CollectionDefinition(Name)]
public sealed class WebSocketsBehindNginxDefinition : ICollectionFixture<WebSocketsBehindNginx>
{
    public const string Name = "WebSockets behind nginx";
}

/// <summary>
/// WebSockets through a real nginx (uwsgi_pass, workers as www-data) to the native Echo (GatewayContext.AcceptWebSocketAsync)
/// and to the ASP.NET Core sample (ASP.NET Core's WebSocket middleware, a SignalR hub), with a WebSocket client written
/// from RFC 6455 by hand; the refusal over fastcgi_pass; many open at once; the ends: close handshake, a vanished
/// client, a graceful stop.
/// </summary>
[Collection(WebSocketsBehindNginxDefinition.Name)]
public sealed class WebSocketTests(WebSocketsBehindNginx stack, ITestOutputHelper output)
{
    private static readonly int[] Sizes = [1, 125, 126, 65_535, 65_536, 1024 * 1024];

    [Theory]
    [MemberData(nameof(EchoApps.All), MemberType = typeof(EchoApps))]
    public async Task Messages_of_every_length_fragments_pings_an_idle_spell_and_the_close_handshake(EchoApp app)
    {
        var pid = stack.App(app).ProcessId;
        var baseline = WebSocketsBehindNginx.OpenSockets(pid);
        using var client = await WebSocketsBehindNginx.OpenAsync(stack.Port(app));

        foreach (var size in Sizes)
        {
            var text = Encoding.ASCII.GetBytes(TextOf(size));
            await client.SendFrameAsync(RawWebSocket.Text, text);
            AssertMessage(RawWebSocket.Text, text, await client.ReadMessageAsync(), $"text of {size} B");

            var binary = BinaryOf(size);
            await client.SendFrameAsync(RawWebSocket.Binary, binary);
            AssertMessage(RawWebSocket.Binary, binary, await client.ReadMessageAsync(), $"binary of {size} B");
        }

        var fragmentedText = Encoding.UTF8.GetBytes("fragmented: ünïcödé split across frames, " + TextOf(1000));
        await client.SendFragmentedAsync(RawWebSocket.Text, fragmentedText, pieces: 5);
        AssertMessage(RawWebSocket.Text, fragmentedText, await client.ReadMessageAsync(), "a text message in 5 frames");
        var fragmentedBinary = BinaryOf(300_000);
        await client.SendFragmentedAsync(RawWebSocket.Binary, fragmentedBinary, pieces: 3);
        AssertMessage(RawWebSocket.Binary, fragmentedBinary, await client.ReadMessageAsync(), "a binary message in 3 frames");

        await client.SendFrameAsync(RawWebSocket.Ping, "are you there"u8);
        var pong = await client.ReadFrameAsync();
        Assert.Equal(RawWebSocket.Pong, pong.Opcode);
        Assert.Equal("are you there", Encoding.ASCII.GetString(pong.Payload));

        await Task.Delay(TimeSpan.FromSeconds(5)); // the idle spell itself is under test: no traffic either way
        await client.SendFrameAsync(RawWebSocket.Text, "after the idle spell"u8);
        AssertMessage(RawWebSocket.Text, "after the idle spell"u8.ToArray(), await client.ReadMessageAsync(), "after 5 s idle");

        await client.SendFrameAsync(RawWebSocket.Close, RawWebSocket.ClosePayload(1000, "done"));
        var close = await client.ReadFrameAsync();
        Assert.Equal(RawWebSocket.Close, close.Opcode);
        Assert.Equal(1000, close.Payload[0] << 8 | close.Payload[1]);
        Assert.True(await client.ClosesWithinAsync(Wire.Timeout), "nginx kept the client's socket open after the close handshake");
        await EventuallyAsync(() => WebSocketsBehindNginx.OpenSockets(pid) <= baseline, $"{app}'s socket closed after the close handshake (sockets: {WebSocketsBehindNginx.OpenSockets(pid)}, before: {baseline})");
    }

    [Theory]
    [MemberData(nameof(EchoApps.All), MemberType = typeof(EchoApps))]
    public async Task Clients_that_vanish_without_a_close_frame_leave_nothing_open_on_the_server(EchoApp app)
    {
        var pid = stack.App(app).ProcessId;
        var baseline = WebSocketsBehindNginx.OpenSockets(pid);
        var clients = new List<RawWebSocket>();
        for (var i = 0; i < 5; i++)
        {
            var client = await WebSocketsBehindNginx.OpenAsync(stack.Port(app));
            clients.Add(client);
            await client.SendFrameAsync(RawWebSocket.Binary, new byte[] { (byte)i });
            Assert.Equal(new[] { (byte)i }, (await client.ReadMessageAsync()).Payload);
        }

        Assert.True(WebSocketsBehindNginx.OpenSockets(pid) >= baseline + clients.Count, "the open WebSockets do not show as the server's sockets");
        foreach (var client in clients)
        {
            client.Socket.LingerState = new LingerOption(true, 0); // a reset: gone without a word
            client.Dispose();
        }

        await EventuallyAsync(() => WebSocketsBehindNginx.OpenSockets(pid) <= baseline, $"{app} freeing the vanished clients' connections (sockets: {WebSocketsBehindNginx.OpenSockets(pid)}, before: {baseline})");
        using var after = await WebSocketsBehindNginx.OpenAsync(stack.Port(app)); // and it goes on serving
        await after.SendFrameAsync(RawWebSocket.Text, "still here"u8);
        Assert.Equal("still here", Encoding.ASCII.GetString((await after.ReadMessageAsync()).Payload));
        await CloseAsync(after);
    }

    [Theory]
    [MemberData(nameof(EchoApps.All), MemberType = typeof(EchoApps))]
    public async Task An_upgrade_through_fastcgi_pass_is_refused_at_once_and_logged_naming_uwsgi_pass(EchoApp app)
    {
        var echo = stack.App(app);
        var logged = echo.CountInLog("[313]");
        using var socket = await Wire.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, stack.Port(app, fastCgi: true)));
        var request = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await Wire.SendAsync(socket, Encoding.ASCII.GetBytes(request));

        var response = WireResponse.ParseHttp(await Wire.ReadHttpResponseAsync(socket)); // bounded: a hang fails here

        Assert.Equal(400, response.StatusCode);
        await EventuallyAsync(() => echo.CountInLog("[313]") > logged, "the log line about fastcgi_pass");
        var line = echo.Log.Split('\n').SkipWhile(l => !l.Contains("[313]", StringComparison.Ordinal)).Skip(1).First();
        Assert.Contains("uwsgi_pass", line, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(EchoApps.All), MemberType = typeof(EchoApps))]
    public async Task Two_hundred_open_WebSockets_while_plain_requests_are_served(EchoApp app)
    {
        const int Count = 200;
        var pid = stack.App(app).ProcessId;
        var threadsBefore = WebSocketsBehindNginx.Status(pid, "Threads");
        var clients = new List<RawWebSocket>(Count);
        try
        {
            for (var i = 0; i < Count; i += 20)
            {
                clients.AddRange(await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => WebSocketsBehindNginx.OpenAsync(stack.Port(app)))));
            }

            await Task.WhenAll(clients.Select((client, i) => RoundTripAsync(client, i)));
            var threads = WebSocketsBehindNginx.Status(pid, "Threads");
            var rssKb = WebSocketsBehindNginx.Status(pid, "VmRSS");

            using var http = new HttpClient { BaseAddress = stack.BaseAddress(app), Timeout = TimeSpan.FromSeconds(30) };
            var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => http.GetStringAsync(new Uri("/hello", UriKind.Relative))));
            Assert.All(answers, body => Assert.Equal("hello world\n", body));

            await Task.WhenAll(clients.Select((client, i) => RoundTripAsync(client, i + Count))); // all still open and served
            output.WriteLine($"{app}: {Count} WebSockets open through nginx: {threads} threads (before: {threadsBefore}), RSS {rssKb / 1024.0:0.0} MiB; 200 GET /hello answered meanwhile");
            Assert.True(threads < Count / 2, $"{threads} threads for {Count} open WebSockets: they hold threads");
        }
        finally
        {
            await Task.WhenAll(clients.Select(CloseAsync));
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_SignalR_hub_over_WebSockets_invokes_streams_and_reconnects_after_the_server_restarts()
    {
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(stack.BaseAddress(EchoApp.AspNetCore), "/hub/echo"), HttpTransportType.WebSockets, options => options.SkipNegotiation = true)
            .WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)])
            .Build();
        connection.Reconnected += _ =>
        {
            reconnected.TrySetResult();
            return Task.CompletedTask;
        };
        await using (connection)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await connection.StartAsync(timeout.Token);

            Assert.Equal("over uwsgi_pass", await connection.InvokeAsync<string>("Echo", "over uwsgi_pass", timeout.Token));
            Assert.Equal(Enumerable.Range(1, 50), await connection.StreamAsync<int>("Count", 50, timeout.Token).ToListAsync(timeout.Token));

            var problems = await stack.App(EchoApp.AspNetCore).StopAsync(); // SIGTERM: exit 0, socket removed
            Assert.Empty(problems);
            await stack.RestartAsync(EchoApp.AspNetCore);
            await reconnected.Task.WaitAsync(timeout.Token);

            // A first reconnect may reach the stopping process (its listener is open until ApplicationStopping's
            // callbacks have run) and drop with it: the client reconnects again, to the new one.
            string? echoed = null;
            while (echoed is null)
            {
                try
                {
                    echoed = await connection.InvokeAsync<string>("Echo", "after the restart", timeout.Token);
                }
                catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException && !timeout.IsCancellationRequested)
                {
                    await Task.Delay(100, timeout.Token);
                }
            }

            Assert.Equal("after the restart", echoed);
            Assert.Equal(Enumerable.Range(1, 3), await connection.StreamAsync<int>("Count", 3, timeout.Token).ToListAsync(timeout.Token));
            await connection.StopAsync(timeout.Token);
        }
    }

    [Fact]
    public async Task A_SignalR_WebSocket_gets_1001_when_the_server_stops_and_not_a_bare_drop()
    {
        var echo = stack.App(EchoApp.AspNetCore);
        using var client = await WebSocketsBehindNginx.OpenAsync(stack.Port(EchoApp.AspNetCore), "/hub/echo"); // SkipNegotiation's way in
        try
        {
            await client.SendFrameAsync(RawWebSocket.Text, "{\"protocol\":\"json\",\"version\":1}\u001e"u8);
            Assert.Equal("{}\u001e", Encoding.UTF8.GetString((await client.ReadMessageAsync()).Payload)); // SignalR's handshake answer

            var stopping = echo.StopAsync(); // SignalR drops its connections at ApplicationStopping: Bridge says 1001 first
            var (_, opcode, payload) = await client.ReadFrameAsync(WebSocketsBehindNginx.ShutdownTimeout + Wire.Timeout);
            Assert.Equal(RawWebSocket.Close, opcode);
            Assert.Equal(1001, payload[0] << 8 | payload[1]);
            Assert.True(await client.ClosesWithinAsync(Wire.Timeout));
            Assert.Empty(await stopping);
        }
        finally
        {
            await stack.RestartAsync(EchoApp.AspNetCore);
        }
    }

    [Theory]
    [MemberData(nameof(EchoApps.All), MemberType = typeof(EchoApps))]
    public async Task A_graceful_stop_closes_open_WebSockets_with_1001_then_exits_0_and_removes_its_socket(EchoApp app)
    {
        var echo = stack.App(app);
        var clients = new[] { await WebSocketsBehindNginx.OpenAsync(stack.Port(app)), await WebSocketsBehindNginx.OpenAsync(stack.Port(app)) };
        try
        {
            foreach (var client in clients)
            {
                await client.SendFrameAsync(RawWebSocket.Text, "open"u8);
                Assert.Equal("open", Encoding.ASCII.GetString((await client.ReadMessageAsync()).Payload));
            }

            var stopping = echo.StopAsync(); // SIGTERM; then exit code 0 and the socket file gone, or problems
            foreach (var client in clients)
            {
                var (_, opcode, payload) = await client.ReadFrameAsync(WebSocketsBehindNginx.ShutdownTimeout + Wire.Timeout);
                Assert.Equal(RawWebSocket.Close, opcode);
                Assert.Equal(1001, payload[0] << 8 | payload[1]);
                await client.SendFrameAsync(RawWebSocket.Close, RawWebSocket.ClosePayload(1001));
                Assert.True(await client.ClosesWithinAsync(Wire.Timeout));
            }

            Assert.Empty(await stopping);
            Assert.False(File.Exists(echo.SocketPath));
            Assert.Contains("[410]", echo.Log, StringComparison.Ordinal); // told to go away, not cut at the timeout
            Assert.DoesNotContain("[404]", echo.Log, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }

            await stack.RestartAsync(app);
        }
    }

    private static async Task RoundTripAsync(RawWebSocket client, int i)
    {
        var message = Encoding.ASCII.GetBytes("message " + i.ToString(CultureInfo.InvariantCulture));
        await client.SendFrameAsync(RawWebSocket.Text, message);
        Assert.Equal(message, (await client.ReadMessageAsync()).Payload);
    }

    private static async Task CloseAsync(RawWebSocket client)
    {
        await client.SendFrameAsync(RawWebSocket.Close, RawWebSocket.ClosePayload(1000));
        Assert.Equal(RawWebSocket.Close, (await client.ReadFrameAsync()).Opcode);
        Assert.True(await client.ClosesWithinAsync(Wire.Timeout));
    }

    private static void AssertMessage(byte opcode, byte[] expected, (byte Opcode, byte[] Payload) actual, string what)
    {
        Assert.True(opcode == actual.Opcode, $"{what}: opcode {actual.Opcode}, not {opcode}");
        Assert.True(expected.AsSpan().SequenceEqual(actual.Payload), $"{what}: {actual.Payload.Length} bytes came back, not the {expected.Length} sent");
    }

    private static string TextOf(int size) => string.Create(size, 0, static (span, _) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = (char)('a' + (i % 26));
        }
    });

    private static byte[] BinaryOf(int size)
    {
        var bytes = new byte[size];
        for (var i = 0; i < size; i++)
        {
            bytes[i] = (byte)(i % 251);
        }

        return bytes;
    }

    // Polls what no event announces (a process's sockets, its log), bounded.
    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wire.Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"No {what} within {Wire.Timeout}.");
            await Task.Delay(20);
        }
    }
}
