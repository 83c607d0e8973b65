using System.Collections.Concurrent;
using Bridge.Server.Gateway;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>OnStarting and OnCompleted on the gateway response, and what a flush checks before the head goes out.</summary>
public sealed class ResponseCallbackTests
{
    public static TheoryData<GatewayProtocol> Gateways => [GatewayProtocol.Uwsgi, GatewayProtocol.FastCgi];

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task On_starting_callbacks_run_before_the_head_last_registered_first_and_may_set_headers(GatewayProtocol gateway)
    {
        var order = new ConcurrentQueue<string>();
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            context.Response.OnStarting(_ => { order.Enqueue("first"); context.Response.Headers.Add("X-Set-By", "first"); return Task.CompletedTask; }, context);
            context.Response.OnStarting(_ => { order.Enqueue("second"); return Task.CompletedTask; }, context);
            await context.Response.Body.WriteAsync("body"u8.ToArray());
            order.Enqueue("written");
        }));

        var response = await server.GetAsync(gateway, "/");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("first", response.Header("X-Set-By"));
        Assert.Equal(["second", "first", "written"], order);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task On_completed_callbacks_run_after_the_response_last_registered_first(GatewayProtocol gateway)
    {
        var order = new ConcurrentQueue<string>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(new DelegateApplication(context =>
        {
            context.Response.OnCompleted(_ => { order.Enqueue("first"); done.TrySetResult(); return Task.CompletedTask; }, context);
            context.Response.OnCompleted(_ => { order.Enqueue($"second, started={context.Response.HasStarted}"); return Task.CompletedTask; }, context);
            order.Enqueue("app");
            return Task.CompletedTask;
        }));

        var response = await server.GetAsync(gateway, "/");
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(["app", "second, started=True", "first"], order);
    }

    [Fact]
    public async Task Over_fastcgi_complete_async_ends_the_response_with_end_request_while_the_handler_goes_on()
    {
        var handlerDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            await context.Response.Body.WriteAsync("streamed, no length"u8.ToArray()); // flushed: no Content-Length
            await context.Response.CompleteAsync();
            await release.Task.WaitAsync(Wire.Timeout); // work after the answer, e.g. logging, until the test has its answer
            handlerDone.TrySetResult();
        }));
        using var socket = await server.ConnectAsync();
        var reader = new FastCgiReader(socket);
        await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get("/"), requestId: 1, keepConnection: true));

        var exchange = await reader.ReadUntilEndAsync(1);

        exchange.AssertWellFramed(1);
        Assert.Equal("streamed, no length", exchange.Response(1).BodyText);
        Assert.False(handlerDone.Task.IsCompleted); // END_REQUEST came before the handler finished
        release.TrySetResult();
        await handlerDone.Task.WaitAsync(Wire.Timeout);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task A_flush_after_writing_past_content_length_fails_in_the_app_and_answers_500(GatewayProtocol gateway)
    {
        var failure = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            context.Response.OnStarting(_ => { context.Response.ContentLength = 3; return Task.CompletedTask; }, context);
            context.Response.Body.GetSpan(5)[..5].Fill((byte)'x');
            context.Response.Body.Advance(5); // no length declared yet: buffered
            try
            {
                await context.Response.Body.FlushAsync();
            }
            catch (InvalidOperationException ex)
            {
                failure.TrySetResult(ex);
                throw;
            }
        }));

        var response = await server.GetAsync(gateway, "/");

        Assert.Equal(500, response.StatusCode);
        Assert.Empty(response.Body);
        Assert.Contains("too many bytes", (await failure.Task.WaitAsync(TimeSpan.FromSeconds(10))).Message, StringComparison.Ordinal);
    }
}
