using System.Net.Sockets;
using Bridge.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Bridge.AspNetCore.Tests;

/// <summary>RequestAborted and Abort(): the request ends when the front end leaves, or when the app says so.</summary>
public sealed class LifetimeTests(LifetimeTests.Fixture fixture) : IClassFixture<LifetimeTests.Fixture>
{
    public sealed class Fixture : AppFixture
    {
        protected override void Map(WebApplication app)
        {
            app.MapGet("/long/{id}", async (HttpContext context, string id) =>
            {
                Signals.Set("started-" + id);
                try
                {
                    await Task.Delay(Wire.Timeout, context.RequestAborted);
                    Signals.Set("aborted-" + id, false);
                }
                catch (OperationCanceledException)
                {
                    Signals.Set("aborted-" + id, true);
                }
            });
            app.MapGet("/abort", (HttpContext context) =>
            {
                context.Abort();
                return Task.CompletedTask;
            });
            app.MapGet("/abort-after-start/{id}", async (HttpContext context, string id) =>
            {
                context.Response.ContentLength = 100;
                await context.Response.WriteAsync("partial");
                context.Abort();
                Signals.Set("abort-token-" + id, context.RequestAborted.IsCancellationRequested);
            });
        }
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task RequestAborted_fires_when_the_front_end_closes_the_connection(Front front)
    {
        var id = Guid.NewGuid().ToString("N");
        var request = TestRequest.Get("/long/" + id);
        using (var socket = await fixture.App.ConnectAsync())
        {
            await Wire.SendAsync(socket, front == Front.Uwsgi ? UwsgiWire.Encode(request) : FastCgiWire.Encode(request));
            await fixture.Signals.WaitAsync("started-" + id);
            socket.Shutdown(SocketShutdown.Both);
        }

        Assert.Equal(true, await fixture.Signals.WaitAsync("aborted-" + id, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task RequestAborted_fires_on_FastCgi_ABORT_REQUEST_and_END_REQUEST_follows()
    {
        var id = Guid.NewGuid().ToString("N");
        using var socket = await fixture.App.ConnectAsync();
        await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get("/long/" + id), keepConnection: true));
        await fixture.Signals.WaitAsync("started-" + id);

        await Wire.SendAsync(socket, FastCgiWire.Record(FastCgiWire.AbortRequest, 1, []));

        Assert.Equal(true, await fixture.Signals.WaitAsync("aborted-" + id, TimeSpan.FromSeconds(5)));
        var exchange = await new FastCgiReader(socket).ReadUntilEndAsync(1);
        Assert.Equal(FastCgiWire.EndRequest, exchange.Records[^1].Type);
    }

    [Fact]
    public async Task Abort_cuts_the_uwsgi_connection_without_an_answer()
    {
        var raw = await Wire.ExchangeAsync(fixture.App.EndPoint, UwsgiWire.Encode(TestRequest.Get("/abort")));

        Assert.Empty(raw);
    }

    [Fact]
    public async Task Abort_cuts_the_FastCgi_connection_without_END_REQUEST()
    {
        var exchange = await FastCgiWire.SendAsync(fixture.App.EndPoint, TestRequest.Get("/abort"));

        Assert.Null(exchange.EndRequestFor(1));
        Assert.Empty(exchange.Stdout());
    }

    [Fact]
    public async Task Abort_after_the_response_started_cuts_it_short_and_fires_RequestAborted()
    {
        var id = Guid.NewGuid().ToString("N");

        var raw = await Wire.ExchangeAsync(fixture.App.EndPoint, UwsgiWire.Encode(TestRequest.Get("/abort-after-start/" + id)));

        Assert.Equal(true, await fixture.Signals.WaitAsync("abort-token-" + id));
        var end = raw.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(end < 0 || raw.Length - end - 4 < 100, "A whole response arrived.");
    }
}
