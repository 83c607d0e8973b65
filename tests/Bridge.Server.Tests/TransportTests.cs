using System.Text;
using Bridge.Server.Gateway;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>
/// The dedicated I/O threads: a request that runs synchronously is served start to finish by the thread that
/// accepted it; connections that wait (for the app, or between kept-alive requests beyond the thread limit)
/// continue on the thread pool and never stop the server from accepting.
/// </summary>
public sealed class TransportTests
{
    private static readonly byte[] Ok = Encoding.ASCII.GetBytes("ok");

    public static TheoryData<GatewayProtocol> Gateways => [GatewayProtocol.Uwsgi, GatewayProtocol.FastCgi];

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task A_request_that_completes_synchronously_runs_on_the_io_thread_that_accepted_it(GatewayProtocol gateway)
    {
        string? threadName = null;
        await using var server = await TestServer.StartAsync(new DelegateApplication(context =>
        {
            threadName = Thread.CurrentThread.Name;
            context.Response.ContentLength = Ok.Length;
            return context.Response.Body.WriteAsync(Ok).AsTask();
        }));

        var response = await server.GetAsync(gateway, "/where");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("ok", response.BodyText);
        Assert.StartsWith("Bridge I/O ", threadName);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Apps_that_wait_do_not_hold_the_io_threads(GatewayProtocol gateway)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = new ProbeApplication(async context =>
        {
            if (context.Request.Path == "/wait")
            {
                await release.Task;
            }

            context.Response.ContentLength = Ok.Length;
            await context.Response.Body.WriteAsync(Ok);
        });
        await using var server = await TestServer.StartAsync(app, configure: (options, _) => options.Limits.MaxIoThreads = 2);

        // Three times the thread limit of requests that wait for the app, each on its own connection.
        var waiting = Enumerable.Range(0, 6).Select(_ => server.GetAsync(gateway, "/wait")).ToArray();
        for (var i = 0; i < waiting.Length; i++)
        {
            Assert.Equal("/wait", await app.WaitStartedAsync());
        }

        var meanwhile = await server.GetAsync(gateway, "/hello");
        Assert.Equal(200, meanwhile.StatusCode);
        Assert.All(waiting, task => Assert.False(task.IsCompleted));

        release.SetResult();
        foreach (var response in await Task.WhenAll(waiting))
        {
            Assert.Equal(200, response.StatusCode);
            Assert.Equal("ok", response.BodyText);
        }
    }

    [Fact]
    public async Task Kept_fastcgi_connections_beyond_the_thread_limit_are_still_served()
    {
        await using var server = await TestServer.StartEchoAsync(configure: (options, _) => options.Limits.MaxIoThreads = 2);
        var sockets = new List<System.Net.Sockets.Socket>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                sockets.Add(await server.ConnectAsync());
            }

            var readers = sockets.Select(s => new FastCgiReader(s)).ToArray();
            for (var round = 0; round < 3; round++)
            {
                for (var i = 0; i < sockets.Count; i++)
                {
                    await Wire.SendAsync(sockets[i], FastCgiWire.Encode(TestRequest.Get("/hello"), requestId: 1, keepConnection: true));
                    var exchange = await readers[i].ReadUntilEndAsync(1);
                    exchange.AssertWellFramed(1);
                    Assert.Equal("hello world\n", exchange.Response(1).BodyText);
                }
            }

            Assert.Equal(5, server.Server.ConnectionCount); // all kept open, two on their threads, three on the pool
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
    public async Task A_response_that_reaches_its_content_length_is_ended_before_the_app_returns()
    {
        // The app writes the whole declared body, then waits before returning: nginx already has everything,
        // END_REQUEST included, and may reuse the connection.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            context.Response.ContentLength = Ok.Length;
            await context.Response.Body.WriteAsync(Ok);
            await context.Response.Body.FlushAsync(); // a flush after the end is harmless
            await release.Task;
        }));
        using var socket = await server.ConnectAsync();
        var reader = new FastCgiReader(socket);
        await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get("/early"), requestId: 1, keepConnection: true));

        var exchange = await reader.ReadUntilEndAsync(1);

        exchange.AssertWellFramed(1);
        Assert.Equal("ok", exchange.Response(1).BodyText);
        release.SetResult();
    }
}
