using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Bridge.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace Bridge.AspNetCore.Tests;

/// <summary>Reading the request body: stream, pipe, buffering, the per-request size limit, JSON binding.</summary>
public sealed class RequestBodyTests(RequestBodyTests.Fixture fixture) : IClassFixture<RequestBodyTests.Fixture>
{
    private static readonly byte[] LargeBody = [.. Enumerable.Range(0, 200_000).Select(i => (byte)(i * 31 % 251))];

    public sealed record Person(string Name, int Age);

    public sealed class Fixture : AppFixture
    {
        protected override void Map(WebApplication app)
        {
            app.MapPost("/stream", async (HttpContext context) =>
            {
                using var copy = new MemoryStream();
                await context.Request.Body.CopyToAsync(copy);
                return Describe(copy.ToArray());
            });
            app.MapPost("/reader", async (HttpContext context) =>
            {
                var reader = context.Request.BodyReader;
                using var copy = new MemoryStream();
                while (true)
                {
                    var result = await reader.ReadAsync();
                    foreach (var segment in result.Buffer)
                    {
                        copy.Write(segment.Span);
                    }

                    reader.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted)
                    {
                        break;
                    }
                }

                return Describe(copy.ToArray());
            });
            app.MapPost("/buffering", async (HttpContext context) =>
            {
                context.Request.EnableBuffering();
                using var first = new MemoryStream();
                await context.Request.Body.CopyToAsync(first);
                context.Request.Body.Position = 0;
                using var second = new MemoryStream();
                await context.Request.Body.CopyToAsync(second);
                return Describe(first.ToArray()) + "|" + Describe(second.ToArray());
            });
            app.MapGet("/limit", (HttpContext context) =>
            {
                var feature = context.Features.GetRequiredFeature<IHttpMaxRequestBodySizeFeature>();
                return $"{feature.MaxRequestBodySize};{feature.IsReadOnly}";
            });
            app.MapPost("/limit-lower", async (HttpContext context) =>
            {
                context.Features.GetRequiredFeature<IHttpMaxRequestBodySizeFeature>().MaxRequestBodySize = 1024;
                using var copy = new MemoryStream();
                await context.Request.Body.CopyToAsync(copy);
                return Describe(copy.ToArray());
            });
            app.MapPost("/limit-attribute", async (HttpContext context) =>
            {
                using var copy = new MemoryStream();
                await context.Request.Body.CopyToAsync(copy);
                return Describe(copy.ToArray());
            }).WithMetadata(new RequestSizeLimitAttribute(1024));
            app.MapPost("/limit-after-read", async (HttpContext context) =>
            {
                var feature = context.Features.GetRequiredFeature<IHttpMaxRequestBodySizeFeature>();
                await context.Request.Body.ReadExactlyAsync(new byte[1]);
                var readOnly = feature.IsReadOnly;
                try
                {
                    feature.MaxRequestBodySize = 10;
                    return $"{readOnly};allowed";
                }
                catch (InvalidOperationException)
                {
                    return $"{readOnly};threw";
                }
            });
            app.MapPost("/json-bound", (Person person) => $"{person.Name} is {person.Age}");
            app.MapPost("/json-read", async (HttpContext context) =>
            {
                var person = await context.Request.ReadFromJsonAsync<Person>();
                return $"{person!.Name} is {person.Age}";
            });
        }
    }

    private static string Describe(byte[] body) => body.Length.ToString(CultureInfo.InvariantCulture) + ":" + Convert.ToHexString(SHA256.HashData(body));

    [Theory]
    [InlineData(Front.Uwsgi, "/stream")]
    [InlineData(Front.FastCgi, "/stream")]
    [InlineData(Front.Uwsgi, "/reader")]
    [InlineData(Front.FastCgi, "/reader")]
    public async Task The_whole_body_is_read_through_the_stream_and_the_pipe(Front front, string path)
    {
        var response = await fixture.App.SendAsync(front, TestRequest.Post(path, LargeBody));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(Describe(LargeBody), response.BodyText);
    }

    [Theory]
    [InlineData("/stream")]
    [InlineData("/reader")]
    public async Task A_FastCgi_body_in_many_small_STDIN_records_is_read_whole(string path)
    {
        var response = await fixture.App.SendAsync(Front.FastCgi, TestRequest.Post(path, LargeBody), stdinChunk: 1000);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(Describe(LargeBody), response.BodyText);
    }

    [Fact]
    public async Task A_FastCgi_body_without_CONTENT_LENGTH_is_read_to_the_end_of_STDIN()
    {
        var body = Encoding.ASCII.GetBytes("streamed by nginx without a length");

        var response = await fixture.App.SendAsync(Front.FastCgi, TestRequest.Post("/stream", body) with { ContentLength = "" }, stdinChunk: 7);

        Assert.Equal(Describe(body), response.BodyText);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task After_EnableBuffering_the_body_can_be_read_twice(Front front)
    {
        var response = await fixture.App.SendAsync(front, TestRequest.Post("/buffering", LargeBody));

        Assert.Equal(Describe(LargeBody) + "|" + Describe(LargeBody), response.BodyText);
    }

    [Fact]
    public async Task The_default_max_request_body_size_is_Bridges_limit()
    {
        var response = await fixture.App.SendAsync(Front.Uwsgi, TestRequest.Get("/limit"));

        Assert.Equal("30000000;False", response.BodyText);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task A_lower_limit_set_by_the_endpoint_answers_413_for_a_larger_body(Front front)
    {
        var response = await fixture.App.SendAsync(front, TestRequest.Post("/limit-lower", new byte[2048]));

        Assert.Equal(413, response.StatusCode);
    }

    [Fact]
    public async Task A_lower_limit_set_by_the_endpoint_lets_a_smaller_body_through()
    {
        var body = new byte[1000];

        var response = await fixture.App.SendAsync(Front.Uwsgi, TestRequest.Post("/limit-lower", body));

        Assert.Equal(Describe(body), response.BodyText);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task A_RequestSizeLimit_on_a_minimal_API_endpoint_answers_413_for_a_larger_body(Front front)
    {
        var response = await fixture.App.SendAsync(front, TestRequest.Post("/limit-attribute", new byte[2048]));

        Assert.Equal(413, response.StatusCode);
    }

    [Fact]
    public async Task A_FastCgi_body_without_CONTENT_LENGTH_over_the_endpoints_limit_answers_413()
    {
        var response = await fixture.App.SendAsync(Front.FastCgi, TestRequest.Post("/limit-attribute", new byte[2048]) with { ContentLength = "" }, stdinChunk: 512);

        Assert.Equal(413, response.StatusCode);
    }

    [Fact]
    public async Task The_limit_cannot_be_changed_once_the_body_has_been_read_from()
    {
        var response = await fixture.App.SendAsync(Front.Uwsgi, TestRequest.Post("/limit-after-read", new byte[100]));

        Assert.Equal("True;threw", response.BodyText);
    }

    [Theory]
    [InlineData(Front.Uwsgi, "/json-bound")]
    [InlineData(Front.FastCgi, "/json-bound")]
    [InlineData(Front.Uwsgi, "/json-read")]
    public async Task A_JSON_body_binds_to_a_record(Front front, string path)
    {
        var body = Encoding.UTF8.GetBytes("""{"name":"Zoë","age":42}""");

        var response = await fixture.App.SendAsync(front, TestRequest.Post(path, body, "application/json; charset=utf-8"));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("Zoë is 42", response.BodyText);
    }
}
