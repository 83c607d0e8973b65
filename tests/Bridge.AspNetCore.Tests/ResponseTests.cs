using System.Buffers;
using System.Text;
using Bridge.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Bridge.AspNetCore.Tests;

/// <summary>Status, headers, callbacks and errors: the response as ASP.NET Core's contracts (and Kestrel) define it.</summary>
public sealed class ResponseTests(ResponseTests.Fixture fixture) : IClassFixture<ResponseTests.Fixture>
{
    public sealed class Fixture : AppFixture
    {
        protected override void Map(WebApplication app)
        {
            app.MapGet("/status", (HttpContext context) =>
            {
                context.Response.StatusCode = 418;
                context.Features.GetRequiredFeature<IHttpResponseFeature>().ReasonPhrase = "Short and stout";
                return context.Response.WriteAsync("teapot");
            });
            app.MapGet("/headers", (HttpContext context) =>
            {
                context.Response.Headers.Append("X-Multi", "a");
                context.Response.Headers.Append("X-Multi", "b");
                context.Response.Headers["X-One"] = "1";
                context.Response.Headers.CacheControl = "no-store";
                return Task.CompletedTask;
            });
            app.MapGet("/content-length", (HttpContext context) =>
            {
                context.Response.ContentLength = 5;
                return context.Response.WriteAsync("hello");
            });
            app.MapMethods("/head", ["GET", "HEAD"], (HttpContext context) =>
            {
                context.Response.ContentLength = 5;
                return context.Response.WriteAsync("hello");
            });
            app.MapGet("/has-started", async (HttpContext context) =>
            {
                var before = context.Response.HasStarted;
                await context.Response.Body.FlushAsync();
                var after = context.Response.HasStarted;
                var header = Attempt(() => context.Response.Headers["X-Late"] = "1");
                var status = Attempt(() => context.Response.StatusCode = 500);
                var onStarting = Attempt(() => context.Response.OnStarting(() => Task.CompletedTask));
                await context.Response.WriteAsync($"before={before};after={after};header={header};status={status};onStarting={onStarting}");
            });
            app.MapGet("/on-starting", (HttpContext context) =>
            {
                foreach (var name in new[] { "first", "second", "third" })
                {
                    context.Response.OnStarting(() =>
                    {
                        context.Response.Headers.Append("X-Order", name);
                        context.Response.Headers.Append("X-Started-Inside", context.Response.HasStarted.ToString());
                        return Task.CompletedTask;
                    });
                }

                return context.Response.WriteAsync("body");
            });
            app.MapGet("/on-starting-status", (HttpContext context) =>
            {
                context.Response.OnStarting(() =>
                {
                    context.Response.StatusCode = 202;
                    context.Response.Headers["X-From-Callback"] = "yes";
                    return Task.CompletedTask;
                });
                return Task.CompletedTask;
            });
            app.MapGet("/on-completed/{id}", (HttpContext context, string id) =>
            {
                var order = new List<string>();
                context.Response.OnCompleted(() =>
                {
                    order.Add("first");
                    Signals.Set("completed-" + id, string.Join(',', order));
                    return Task.CompletedTask;
                });
                context.Response.OnCompleted(async () =>
                {
                    await Signals.Task("release-" + id).WaitAsync(Wire.Timeout);
                    order.Add("second");
                });
                context.Response.BodyWriter.Write("done"u8); // sent at the end, with its Content-Length
                return Task.CompletedTask;
            });
            app.MapGet("/throw", (HttpContext context) =>
            {
                context.Response.Headers["X-Lost"] = "1";
                context.Response.StatusCode = 201;
                throw new InvalidOperationException("boom");
            });
            app.MapGet("/throw-after-write", async (HttpContext context) =>
            {
                context.Response.BodyWriter.Write("partial"u8); // buffered, not flushed
                await Task.Yield();
                throw new InvalidOperationException("boom");
            });
            app.MapGet("/bad-request", (HttpContext _) => throw new BadHttpRequestException("Not this way.", 422));
            app.MapGet("/too-few", (HttpContext context) =>
            {
                context.Response.ContentLength = 10;
                context.Response.BodyWriter.Write("12345"u8); // not flushed: the head has not gone out at the end
                return Task.CompletedTask;
            });
            app.MapGet("/too-few-started", async (HttpContext context) =>
            {
                context.Response.ContentLength = 10;
                await context.Response.WriteAsync("12345");
                await context.Response.Body.FlushAsync();
            });
            app.MapGet("/too-many/{id}", async (HttpContext context, string id) =>
            {
                context.Response.ContentLength = 5;
                try
                {
                    await context.Response.Body.WriteAsync("0123456789"u8.ToArray());
                    Signals.Set("too-many-" + id, "no exception");
                }
                catch (InvalidOperationException ex)
                {
                    Signals.Set("too-many-" + id, ex.Message);
                }
            });
            app.MapGet("/too-many-advance/{id}", (HttpContext context, string id) =>
            {
                context.Response.ContentLength = 5;
                try
                {
                    var span = context.Response.BodyWriter.GetSpan(10);
                    "0123456789"u8.CopyTo(span);
                    context.Response.BodyWriter.Advance(10);
                    Signals.Set("too-many-advance-" + id, "no exception");
                }
                catch (InvalidOperationException ex)
                {
                    Signals.Set("too-many-advance-" + id, ex.Message);
                }

                return Task.CompletedTask;
            });
            app.MapGet("/too-many-started/{id}", async (HttpContext context, string id) =>
            {
                context.Response.ContentLength = 5;
                await context.Response.WriteAsync("012");
                try
                {
                    await context.Response.WriteAsync("3456789");
                    Signals.Set("too-many-started-" + id, "no exception");
                }
                catch (InvalidOperationException ex)
                {
                    Signals.Set("too-many-started-" + id, ex.Message);
                }
            });
        }

        private static string Attempt(Action action)
        {
            try
            {
                action();
                return "allowed";
            }
            catch (InvalidOperationException)
            {
                return "threw";
            }
        }
    }

    [Theory]
    [InlineData(Front.Uwsgi, "HTTP/1.1 418 Short and stout")]
    [InlineData(Front.FastCgi, "Status: 418 Short and stout")]
    public async Task Status_code_and_reason_phrase_are_sent(Front front, string firstLine)
    {
        var response = await fixture.App.SendAsync(front, TestRequest.Get("/status"));

        Assert.Equal(firstLine, response.FirstLine);
        Assert.Equal("teapot", response.BodyText);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task A_header_appended_twice_is_sent_as_two_lines(Front front)
    {
        var response = await fixture.App.SendAsync(front, TestRequest.Get("/headers"));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(["a", "b"], response.All("X-Multi"));
        Assert.Equal(["1"], response.All("X-One"));
        Assert.Equal(["no-store"], response.All("Cache-Control"));
        Assert.Equal(["0"], response.All("Content-Length"));
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task Content_Length_comes_from_Response_ContentLength_once(Front front)
    {
        var response = await fixture.App.SendAsync(front, TestRequest.Get("/content-length"));

        Assert.Equal(["5"], response.All("Content-Length"));
        Assert.Equal("hello", response.BodyText);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task A_HEAD_response_keeps_its_Content_Length_and_sends_no_body(Front front)
    {
        var response = await fixture.App.SendAsync(front, new TestRequest("HEAD", "/head"));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("5", response.Header("Content-Length"));
        Assert.Empty(response.Body);
    }

    [Fact]
    public async Task HasStarted_turns_true_at_the_first_flush_and_the_head_is_then_read_only()
    {
        var response = await fixture.App.SendAsync(Front.Uwsgi, TestRequest.Get("/has-started"));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("before=False;after=True;header=threw;status=threw;onStarting=threw", response.BodyText);
        Assert.Null(response.Header("X-Late"));
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task OnStarting_callbacks_run_before_the_head_in_reverse_order_and_may_set_headers(Front front)
    {
        var response = await fixture.App.SendAsync(front, TestRequest.Get("/on-starting"));

        Assert.Equal(["third", "second", "first"], response.All("X-Order"));
        Assert.Equal(["False", "False", "False"], response.All("X-Started-Inside"));
        Assert.Equal("body", response.BodyText);
    }

    [Fact]
    public async Task An_OnStarting_callback_may_change_the_status()
    {
        var response = await fixture.App.SendAsync(Front.Uwsgi, TestRequest.Get("/on-starting-status"));

        Assert.Equal(202, response.StatusCode);
        Assert.Equal("yes", response.Header("X-From-Callback"));
    }

    [Fact]
    public async Task OnCompleted_callbacks_run_after_the_response_has_been_sent_in_reverse_order_over_FastCgi()
    {
        var id = Guid.NewGuid().ToString("N");
        using var socket = await fixture.App.ConnectAsync();
        await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get("/on-completed/" + id), keepConnection: true));

        var exchange = await new FastCgiReader(socket).ReadUntilStdoutEndAsync(1);

        Assert.Equal("done", exchange.Response().BodyText);
        Assert.False(fixture.Signals.IsSet("completed-" + id)); // the last-registered callback is still waiting
        fixture.Signals.Set("release-" + id);
        Assert.Equal("second,first", await fixture.Signals.WaitAsync("completed-" + id));
    }

    [Fact]
    public async Task OnCompleted_callbacks_run_after_the_response_has_been_sent_in_reverse_order_over_uwsgi()
    {
        var id = Guid.NewGuid().ToString("N");
        using var socket = await fixture.App.ConnectAsync();
        await Wire.SendAsync(socket, UwsgiWire.Encode(TestRequest.Get("/on-completed/" + id)));

        var response = WireResponse.ParseHttp(await Wire.ReadHttpResponseAsync(socket));

        Assert.Equal("done", response.BodyText);
        Assert.False(fixture.Signals.IsSet("completed-" + id));
        fixture.Signals.Set("release-" + id);
        Assert.Equal("second,first", await fixture.Signals.WaitAsync("completed-" + id));
    }

    [Theory]
    [InlineData(Front.Uwsgi, "/throw")]
    [InlineData(Front.FastCgi, "/throw")]
    [InlineData(Front.Uwsgi, "/throw-after-write")]
    public async Task An_exception_before_the_response_started_is_an_empty_500(Front front, string path)
    {
        var response = await fixture.App.SendAsync(front, TestRequest.Get(path));

        Assert.Equal(500, response.StatusCode);
        Assert.Null(response.Header("X-Lost"));
        Assert.Equal("0", response.Header("Content-Length"));
        Assert.Empty(response.Body);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task A_BadHttpRequestException_is_answered_with_its_status(Front front)
    {
        var response = await fixture.App.SendAsync(front, TestRequest.Get("/bad-request"));

        Assert.Equal(422, response.StatusCode);
        Assert.Empty(response.Body);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task Fewer_bytes_than_Content_Length_before_the_response_started_is_a_500(Front front)
    {
        var response = await fixture.App.SendAsync(front, TestRequest.Get("/too-few"));

        Assert.Equal(500, response.StatusCode);
        Assert.Empty(response.Body);
    }

    [Fact]
    public async Task Fewer_bytes_than_Content_Length_after_the_response_started_cuts_the_uwsgi_connection()
    {
        var raw = await Wire.ExchangeAsync(fixture.App.EndPoint, UwsgiWire.Encode(TestRequest.Get("/too-few-started")));

        AssertCut(raw, declared: 10);
    }

    [Fact]
    public async Task Fewer_bytes_than_Content_Length_after_the_response_started_ends_the_FastCgi_connection_without_END_REQUEST()
    {
        var exchange = await FastCgiWire.SendAsync(fixture.App.EndPoint, TestRequest.Get("/too-few-started"));

        Assert.Null(exchange.EndRequestFor(1));
        Assert.DoesNotContain(exchange.Records, r => r.Type == FastCgiWire.Stdout && r.Content.Length == 0);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task More_bytes_than_Content_Length_throws_in_the_app_and_is_a_500_before_the_response_started(Front front)
    {
        var id = Guid.NewGuid().ToString("N");

        var response = await fixture.App.SendAsync(front, TestRequest.Get("/too-many/" + id));

        Assert.Contains("too many bytes", (string?)await fixture.Signals.WaitAsync("too-many-" + id), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(500, response.StatusCode);
        Assert.Empty(response.Body);
    }

    [Fact]
    public async Task More_bytes_than_Content_Length_after_the_response_started_throws_in_the_app_and_cuts_the_connection()
    {
        var id = Guid.NewGuid().ToString("N");

        var raw = await Wire.ExchangeAsync(fixture.App.EndPoint, UwsgiWire.Encode(TestRequest.Get("/too-many-started/" + id)));

        Assert.Contains("too many bytes", (string?)await fixture.Signals.WaitAsync("too-many-started-" + id), StringComparison.OrdinalIgnoreCase);
        AssertCut(raw, declared: 5);
    }

    [Fact]
    public async Task Advancing_the_BodyWriter_past_Content_Length_throws_in_the_app_at_once()
    {
        var id = Guid.NewGuid().ToString("N");

        var response = await fixture.App.SendAsync(Front.Uwsgi, TestRequest.Get("/too-many-advance/" + id));

        Assert.Contains("too many bytes", (string?)await fixture.Signals.WaitAsync("too-many-advance-" + id), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(500, response.StatusCode);
    }

    // A cut response: the connection ended before a whole response arrived (the server aborts; what was flushed
    // just before may or may not have left, as with Kestrel's abort).
    private static void AssertCut(byte[] raw, long declared)
    {
        var end = raw.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return;
        }

        var response = WireResponse.ParseHttp(raw);
        Assert.Equal(declared.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Header("Content-Length"));
        Assert.True(response.Body.Length < declared, $"A whole body arrived: {Encoding.ASCII.GetString(response.Body)}");
    }
}
