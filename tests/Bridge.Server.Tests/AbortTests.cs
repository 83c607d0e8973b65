using Bridge.Server.Gateway;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>RequestAborted fires when the front end closes the connection (nginx does when its client gives up).</summary>
public sealed class AbortTests
{
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(5); // well under the 10 s delay the first test uses

    public static TheoryData<GatewayProtocol> Gateways => [GatewayProtocol.Uwsgi, GatewayProtocol.FastCgi];

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Echo_delay_stops_waiting_when_the_client_closes(GatewayProtocol gateway)
    {
        var app = new ProbeApplication(new Samples.Echo.EchoApplication());
        await using var server = await TestServer.StartAsync(app);
        var socket = await server.ConnectAsync();
        await Wire.SendAsync(socket, Encode(gateway, TestRequest.Get("/delay/10000")));
        await app.WaitStartedAsync();

        socket.Dispose();

        var ended = await app.WaitEndedAsync(Promptly);
        Assert.True(ended.Aborted);
        Assert.Equal(200, (await server.GetAsync(gateway, "/hello")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task An_app_awaiting_request_aborted_sees_it_fire_when_the_client_closes(GatewayProtocol gateway)
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = new ProbeApplication(async context =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // Observed here rather than by a Register callback: Cancel runs callbacks newest first, and the
                // delay's (newer) may finish this method inline and dispose an older registration before its turn.
                aborted.TrySetResult();
                throw;
            }
        });
        await using var server = await TestServer.StartAsync(app);
        var socket = await server.ConnectAsync();
        await Wire.SendAsync(socket, Encode(gateway, TestRequest.Get("/wait")));
        await app.WaitStartedAsync();

        socket.Dispose();

        await aborted.Task.WaitAsync(Promptly);
        Assert.True((await app.WaitEndedAsync(Promptly)).Aborted);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Request_aborted_fires_on_client_close_after_the_body_has_been_read(GatewayProtocol gateway)
    {
        var bodyRead = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = new ProbeApplication(async context =>
        {
            long length = 0;
            while (true)
            {
                var result = await context.Request.Body.ReadAsync(context.RequestAborted);
                length += result.Buffer.Length;
                context.Request.Body.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            bodyRead.TrySetResult(length);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        await using var server = await TestServer.StartAsync(app);
        var socket = await server.ConnectAsync();
        await Wire.SendAsync(socket, Encode(gateway, new TestRequest("POST", "/upload") { Body = new byte[50_000] }));
        Assert.Equal(50_000, await bodyRead.Task.WaitAsync(Wire.Timeout));

        socket.Dispose();

        var ended = await app.WaitEndedAsync(Promptly);
        Assert.True(ended.Aborted);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Request_aborted_fires_when_the_front_end_closes_while_the_body_is_still_unread(GatewayProtocol gateway)
    {
        const int BodyLength = 1000;
        // nginx (uwsgi_request_buffering on) sends the whole head and body, then closes when its client gives up.
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var echo = new Samples.Echo.EchoApplication();
        var app = new ProbeApplication(async context =>
        {
            if (context.Request.Path != "/never-reads")
            {
                await echo.ProcessAsync(context);
                return;
            }

            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted); // never reads the body
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                aborted.TrySetResult();
                throw;
            }
        });
        await using var server = await TestServer.StartAsync(app);
        var socket = await server.ConnectAsync();
        var request = Encode(gateway, new TestRequest("POST", "/never-reads") { Body = new byte[BodyLength] });
        await Wire.SendAsync(socket, request.AsMemory(0, request.Length - BodyLength)); // the head: the app starts
        await app.WaitStartedAsync();
        await Wire.SendAsync(socket, request.AsMemory(request.Length - BodyLength)); // the body, which nobody reads

        socket.Dispose();

        var fired = await Task.WhenAny(aborted.Task, Task.Delay(Promptly)) == aborted.Task;
        Assert.True(fired, $"RequestAborted did not fire within {Promptly} of the front end closing with the body unread.");
        Assert.True((await app.WaitEndedAsync(Promptly)).Aborted);
        Assert.Equal(200, (await server.GetAsync(gateway, "/hello")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task A_client_that_closes_mid_download_is_logged_at_debug_not_as_an_application_error(GatewayProtocol gateway)
    {
        var app = new ProbeApplication(new Samples.Echo.EchoApplication());
        await using var server = await TestServer.StartAsync(app);
        var socket = await server.ConnectAsync();
        await Wire.SendAsync(socket, Encode(gateway, TestRequest.Get("/bytes/10000000")));
        var buffer = new byte[64 * 1024];
        for (var received = 0; received < 200_000;)
        {
            var read = await socket.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None);
            Assert.True(read > 0, "The server closed before sending 200,000 bytes.");
            received += read;
        }

        socket.Dispose(); // mid-download, as nginx does when its client goes away

        await app.WaitEndedAsync(Promptly);
        var line = await WaitForAnyAsync(server.Logs, [CutByFrontEndEvent, CancelledEvent]);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Debug, line.Level);
        Assert.DoesNotContain(server.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    private const int CutByFrontEndEvent = 312; // the response ended short of its Content-Length because the front end left
    private const int CancelledEvent = 309;     // the app saw RequestAborted and threw

    private static async Task<LogEntry> WaitForAnyAsync(LogSink logs, int[] eventIds)
    {
        var deadline = DateTime.UtcNow + Promptly;
        while (true)
        {
            if (logs.Entries.FirstOrDefault(e => eventIds.Contains(e.EventId)) is { } entry)
            {
                return entry;
            }

            Assert.True(DateTime.UtcNow < deadline, $"None of the events {string.Join(", ", eventIds)} was logged:\n{logs.Describe()}");
            await Task.Delay(10);
        }
    }

    private static byte[] Encode(GatewayProtocol gateway, TestRequest request)
        => gateway == GatewayProtocol.Uwsgi ? UwsgiWire.Encode(request) : FastCgiWire.Encode(request, keepConnection: true);
}
