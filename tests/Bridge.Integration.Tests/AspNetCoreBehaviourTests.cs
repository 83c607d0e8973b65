using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;

namespace Bridge.Integration.Tests;

/// <summary>
/// What ordinary ASP.NET Core apps lean on, through nginx to the ASP.NET Core sample on Bridge: routing and JSON
/// binding, the exception handler page, static files with ranges and ETags, response compression, RequestAborted,
/// OnStarting/OnCompleted, request size limits, and a response shorter than its Content-Length.
/// </summary>
[Collection(EchoBehindNginxDefinition.Name)]
public sealed class AspNetCoreBehaviourTests(EchoBehindNginx stack)
{
    private const EchoApp App = EchoApp.AspNetCore;
    private const int DataLength = 102_400;

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private static byte[] DataFile => File.ReadAllBytes(Path.Combine(Repository.AspNetCoreWebRoot, "data.bin"));

    [Theory]
    [MemberData(nameof(FrontEndModes.UwsgiAndFastCgiKeepAlive), MemberType = typeof(FrontEndModes))]
    public async Task Orders_binds_the_json_body_and_answers_201_with_a_location(FrontEndMode mode)
    {
        using var content = new StringContent("""{"item":"book","quantity":2}""", Encoding.UTF8, "application/json");

        using var response = await stack.Client.PostAsync(stack.Url(App, mode, "/api/orders"), content, Timeout);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Timeout));
        var id = json.RootElement.GetProperty("id").GetInt32();
        Assert.Equal($"/api/orders/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("book", json.RootElement.GetProperty("item").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("quantity").GetInt32());
    }

    [Theory]
    [MemberData(nameof(FrontEndModes.UwsgiAndFastCgiKeepAlive), MemberType = typeof(FrontEndModes))]
    public async Task An_exception_under_app_gives_the_handler_page_as_a_500_problem(FrontEndMode mode)
    {
        using var response = await stack.Client.GetAsync(stack.Url(App, mode, "/app/fail"), Timeout);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Timeout));
        Assert.Equal("The request failed.", json.RootElement.GetProperty("title").GetString());
        Assert.Equal(500, json.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("/app/fail", json.RootElement.GetProperty("instance").GetString());
    }

    [Theory]
    [MemberData(nameof(FrontEndModes.UwsgiAndFastCgiKeepAlive), MemberType = typeof(FrontEndModes))]
    public async Task A_static_file_arrives_whole_with_an_etag(FrontEndMode mode)
    {
        using var response = await stack.Client.GetAsync(stack.Url(App, mode, "/data.bin"), Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(DataLength, response.Content.Headers.ContentLength);
        Assert.NotNull(response.Headers.ETag);
        Assert.Equal(new[] { "bytes" }, response.Headers.AcceptRanges);
        var body = await response.Content.ReadAsByteArrayAsync(Timeout);
        Assert.Equal(DataLength, body.Length);
        Assert.Equal(DataFile, body);
    }

    [Theory]
    [MemberData(nameof(FrontEndModes.UwsgiAndFastCgiKeepAlive), MemberType = typeof(FrontEndModes))]
    public async Task A_range_request_gets_206_with_exactly_those_bytes(FrontEndMode mode)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, stack.Url(App, mode, "/data.bin"));
        request.Headers.Range = new RangeHeaderValue(100, 199);

        using var response = await stack.Client.SendAsync(request, Timeout);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("bytes 100-199/102400", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(100, response.Content.Headers.ContentLength);
        Assert.Equal(DataFile.AsSpan(100, 100).ToArray(), await response.Content.ReadAsByteArrayAsync(Timeout));
    }

    [Theory]
    [MemberData(nameof(FrontEndModes.UwsgiAndFastCgiKeepAlive), MemberType = typeof(FrontEndModes))]
    public async Task If_none_match_with_the_etag_gets_304_without_a_body(FrontEndMode mode)
    {
        using var first = await stack.Client.GetAsync(stack.Url(App, mode, "/data.bin"), Timeout);
        var etag = first.Headers.ETag ?? throw new InvalidOperationException("/data.bin came without an ETag.");
        using var request = new HttpRequestMessage(HttpMethod.Get, stack.Url(App, mode, "/data.bin"));
        request.Headers.IfNoneMatch.Add(etag);

        using var response = await stack.Client.SendAsync(request, Timeout);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal(etag, response.Headers.ETag);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Timeout));

        // Nothing was left on the connection: the next answer on it is whole.
        using var next = await stack.Client.GetAsync(stack.Url(App, mode, "/hello"), Timeout);
        Assert.Equal("hello world\n", await next.Content.ReadAsStringAsync(Timeout));
    }

    [Theory]
    [MemberData(nameof(FrontEndModes.UwsgiAndFastCgiKeepAlive), MemberType = typeof(FrontEndModes))]
    public async Task With_accept_encoding_gzip_big_is_gzipped_and_decompresses_to_the_plain_answer(FrontEndMode mode)
    {
        using var plain = await stack.Client.GetAsync(stack.Url(App, mode, "/api/big"), Timeout);
        var plainBody = await plain.Content.ReadAsByteArrayAsync(Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, stack.Url(App, mode, "/api/big"));
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));

        using var gzipped = await stack.Client.SendAsync(request, Timeout);

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        Assert.Equal(plainBody.Length, plain.Content.Headers.ContentLength);
        Assert.Equal(HttpStatusCode.OK, gzipped.StatusCode);
        Assert.Equal(new[] { "gzip" }, gzipped.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", gzipped.Headers.Vary);
        var compressed = await gzipped.Content.ReadAsByteArrayAsync(Timeout);
        Assert.True(compressed.Length < plainBody.Length / 4, $"{compressed.Length} gzip bytes for {plainBody.Length} plain ones.");
        await using var unzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var decompressed = new MemoryStream();
        await unzip.CopyToAsync(decompressed, Timeout);
        Assert.Equal(plainBody, decompressed.ToArray());
    }

    [Theory]
    [MemberData(nameof(FrontEndModes.UwsgiAndFastCgiKeepAlive), MemberType = typeof(FrontEndModes))]
    public async Task A_client_abort_fires_request_aborted_in_the_app(FrontEndMode mode)
    {
        var before = await AbortsAsync(mode);

        using (var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stack.Client.GetAsync(stack.Url(App, mode, "/delay/5000"), giveUp.Token));
        }

        Assert.True(
            await Eventually.TrueAsync(async () => await AbortsAsync(mode) > before, TimeSpan.FromSeconds(4)),
            "RequestAborted did not fire within 4 s of the client's abort (the delay is 5 s).");
    }

    [Theory]
    [MemberData(nameof(FrontEndModes.UwsgiAndFastCgiKeepAlive), MemberType = typeof(FrontEndModes))]
    public async Task OnStarting_and_OnCompleted_run_in_kestrels_order(FrontEndMode mode)
    {
        string[] expected = ["handler", "OnStarting 2", "OnStarting 1", "handler end", "OnCompleted 2", "OnCompleted 1"];

        using var response = await stack.Client.GetAsync(stack.Url(App, mode, "/api/callbacks"), Timeout);

        Assert.Equal("ok\n", await response.Content.ReadAsStringAsync(Timeout));
        string[] log = [];
        var complete = await Eventually.TrueAsync(
            async () =>
            {
                log = JsonSerializer.Deserialize<string[]>(await stack.Client.GetStringAsync(stack.Url(App, mode, "/api/callbacks/log"), Timeout)) ?? [];
                return log.Length >= expected.Length;
            },
            TimeSpan.FromSeconds(5));
        Assert.True(complete, "The OnCompleted callbacks did not run: " + string.Join(", ", log));
        Assert.Equal(expected, log);
    }

    [Theory]
    [MemberData(nameof(FrontEndModes.UwsgiAndFastCgiKeepAlive), MemberType = typeof(FrontEndModes))]
    public async Task A_body_over_the_endpoints_size_limit_gets_413(FrontEndMode mode)
    {
        using var small = await stack.Client.PostAsync(stack.Url(App, mode, "/api/limited"), new ByteArrayContent(new byte[512]), Timeout);
        using var large = await stack.Client.PostAsync(stack.Url(App, mode, "/api/limited"), new ByteArrayContent(new byte[2048]), Timeout);

        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        using var json = JsonDocument.Parse(await small.Content.ReadAsStringAsync(Timeout));
        Assert.Equal(512, json.RootElement.GetProperty("bodyLength").GetInt64());
        Assert.Equal(1024, json.RootElement.GetProperty("limit").GetInt64());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
    }

    [Theory]
    [MemberData(nameof(FrontEndModes.UwsgiAndFastCgiKeepAlive), MemberType = typeof(FrontEndModes))]
    public async Task A_response_shorter_than_its_content_length_never_arrives_as_a_whole_200(FrontEndMode mode)
    {
        string outcome;
        try
        {
            using var response = await stack.Client.GetAsync(
                stack.Url(App, mode, "/api/content-length-mismatch"), HttpCompletionOption.ResponseHeadersRead, Timeout);
            var body = await response.Content.ReadAsByteArrayAsync(Timeout);
            outcome = $"{(int)response.StatusCode} with {body.Length} of Content-Length {response.Content.Headers.ContentLength?.ToString() ?? "none"}";
            Assert.True(
                (int)response.StatusCode >= 500 || body.Length < response.Content.Headers.ContentLength,
                "The client took the short answer for a whole one: " + outcome);
        }
        catch (HttpRequestException failed)
        {
            outcome = "the transfer failed: " + failed.Message; // Kestrel's way: the connection is cut mid-body
        }
        catch (HttpIOException failed)
        {
            outcome = "the transfer failed: " + failed.Message;
        }

        Assert.NotEmpty(outcome);
        using var next = await stack.Client.GetAsync(stack.Url(App, mode, "/hello"), Timeout);
        Assert.Equal("hello world\n", await next.Content.ReadAsStringAsync(Timeout));
    }

    private async Task<int> AbortsAsync(FrontEndMode mode)
    {
        using var json = JsonDocument.Parse(await stack.Client.GetStringAsync(stack.Url(App, mode, "/api/aborts"), Timeout));
        return json.RootElement.GetProperty("aborts").GetInt32();
    }
}
