using System.Buffers;
using System.Text;
using System.Text.Json;
using Bridge.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Bridge.AspNetCore.Tests;

/// <summary>Writing the response body: strings, the pipe, StartAsync, CompleteAsync, files, results.</summary>
public sealed class ResponseBodyTests(ResponseBodyTests.Fixture fixture) : IClassFixture<ResponseBodyTests.Fixture>
{
    private static readonly byte[] FileContent = [.. Enumerable.Range(0, 1000).Select(i => (byte)('a' + (i % 26)))];
    private static readonly byte[] LargeBody = [.. Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7 % 253))];

    public sealed class Fixture : AppFixture
    {
        private readonly string _file = Path.Combine(Path.GetTempPath(), "bridge-sendfile-" + Guid.NewGuid().ToString("N") + ".bin");

        public Fixture() => File.WriteAllBytes(_file, FileContent);

        protected override void Map(WebApplication app)
        {
            app.Lifetime.ApplicationStopped.Register(() => File.Delete(_file));
            app.MapGet("/write-async", async (HttpContext context) =>
            {
                await context.Response.WriteAsync("hello ");
                await context.Response.WriteAsync("world");
            });
            app.MapGet("/body-writer", async (HttpContext context) =>
            {
                var writer = context.Response.BodyWriter;
                foreach (var part in new[] { "one,", "two,", "three" })
                {
                    var span = writer.GetSpan(part.Length);
                    var written = Encoding.ASCII.GetBytes(part, span);
                    writer.Advance(written);
                    await writer.FlushAsync();
                }
            });
            app.MapGet("/large", async (HttpContext context) =>
            {
                context.Response.ContentType = "application/octet-stream";
                await context.Response.Body.WriteAsync(LargeBody);
            });
            app.MapGet("/start-async", async (HttpContext context) =>
            {
                context.Response.Headers["X-Before-Start"] = "yes";
                await context.Response.StartAsync();
                await context.Response.WriteAsync($"started={context.Response.HasStarted}");
            });
            app.MapGet("/start-then-wait/{id}", async (HttpContext context, string id) =>
            {
                await context.Response.StartAsync();
                await Signals.Task("release-" + id).WaitAsync(Wire.Timeout);
                await context.Response.WriteAsync("body");
            });
            app.MapGet("/complete-async/{id}", async (HttpContext context, string id) =>
            {
                context.Response.BodyWriter.Write("complete"u8);
                await context.Response.CompleteAsync();
                Signals.Set("completed-" + id);
                await Signals.Task("release-" + id).WaitAsync(Wire.Timeout);
                Signals.Set("finished-" + id);
            });
            app.MapGet("/send-file", (HttpContext context) => context.Response.SendFileAsync(_file, 10, 20));
            app.MapGet("/send-file-whole", (HttpContext context) => context.Response.SendFileAsync(_file));
            app.MapGet("/results-stream", () => Results.Stream(new MemoryStream(FileContent), "application/x-test"));
            app.MapGet("/results-json", () => Results.Json(new { name = "bridge", count = 3 }));
        }
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task Response_WriteAsync_sends_each_string(Front front)
    {
        var response = await fixture.App.SendAsync(front, TestRequest.Get("/write-async"));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("hello world", response.BodyText);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task BodyWriter_GetSpan_Advance_and_FlushAsync_send_every_part(Front front)
    {
        var response = await fixture.App.SendAsync(front, TestRequest.Get("/body-writer"));

        Assert.Equal("one,two,three", response.BodyText);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task A_large_body_arrives_whole(Front front)
    {
        var response = await fixture.App.SendAsync(front, TestRequest.Get("/large"));

        Assert.Equal(LargeBody, response.Body);
    }

    [Fact]
    public async Task StartAsync_sends_the_head_with_the_headers_set_before()
    {
        var response = await fixture.App.SendAsync(Front.Uwsgi, TestRequest.Get("/start-async"));

        Assert.Equal("yes", response.Header("X-Before-Start"));
        Assert.Equal("started=True", response.BodyText);
    }

    [Fact]
    public async Task StartAsync_writes_the_head_without_sending_it_alone_as_Kestrel_does()
    {
        var id = Guid.NewGuid().ToString("N");
        using var socket = await fixture.App.ConnectAsync();
        await Wire.SendAsync(socket, UwsgiWire.Encode(TestRequest.Get("/start-then-wait/" + id)));

        await Wire.AssertQuietAsync(socket, TimeSpan.FromMilliseconds(300)); // the head waits for the first flush
        fixture.Signals.Set("release-" + id);
        var response = WireResponse.ParseHttp(await Wire.ReadToEndAsync(socket)); // no length: the body ends at close

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("body", response.BodyText);
    }

    [Fact]
    public async Task After_CompleteAsync_a_uwsgi_client_has_the_whole_response_while_the_handler_goes_on()
    {
        var id = Guid.NewGuid().ToString("N");
        using var socket = await fixture.App.ConnectAsync();
        await Wire.SendAsync(socket, UwsgiWire.Encode(TestRequest.Get("/complete-async/" + id)));

        var response = WireResponse.ParseHttp(await Wire.ReadHttpResponseAsync(socket));

        Assert.Equal("complete", response.BodyText);
        Assert.False(fixture.Signals.IsSet("finished-" + id));
        fixture.Signals.Set("release-" + id);
        await fixture.Signals.WaitAsync("finished-" + id);
    }

    [Fact]
    public async Task After_CompleteAsync_a_FastCgi_client_has_the_whole_response_while_the_handler_goes_on()
    {
        var id = Guid.NewGuid().ToString("N");
        using var socket = await fixture.App.ConnectAsync();
        await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get("/complete-async/" + id), keepConnection: true));
        var reader = new FastCgiReader(socket);

        var exchange = await reader.ReadUntilStdoutEndAsync(1);

        Assert.Equal("complete", exchange.Response().BodyText);
        Assert.False(fixture.Signals.IsSet("finished-" + id));
        fixture.Signals.Set("release-" + id);
        await fixture.Signals.WaitAsync("finished-" + id);
        var end = await reader.ReadUntilEndAsync(1);
        Assert.Equal(FastCgiWire.EndRequest, end.Records[^1].Type);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task SendFileAsync_sends_the_requested_range_of_the_file(Front front)
    {
        var response = await fixture.App.SendAsync(front, TestRequest.Get("/send-file"));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(FileContent[10..30], response.Body);
    }

    [Fact]
    public async Task SendFileAsync_without_a_range_sends_the_whole_file()
    {
        var response = await fixture.App.SendAsync(Front.Uwsgi, TestRequest.Get("/send-file-whole"));

        Assert.Equal(FileContent, response.Body);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task Results_Stream_sends_the_stream_with_its_content_type(Front front)
    {
        var response = await fixture.App.SendAsync(front, TestRequest.Get("/results-stream"));

        Assert.Equal("application/x-test", response.Header("Content-Type"));
        Assert.Equal(FileContent, response.Body);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task Results_Json_sends_JSON(Front front)
    {
        var response = await fixture.App.SendAsync(front, TestRequest.Get("/results-json"));

        Assert.StartsWith("application/json", response.Header("Content-Type"), StringComparison.Ordinal);
        using var json = JsonDocument.Parse(response.Body);
        Assert.Equal("bridge", json.RootElement.GetProperty("name").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("count").GetInt32());
    }
}
