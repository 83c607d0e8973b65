using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bridge.Server.Gateway;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>Every Echo route of shared/echo-app.md, over uwsgi and over FastCGI, against the real server.</summary>
public sealed class EchoRoutesTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public static TheoryData<GatewayProtocol> Gateways => [GatewayProtocol.Uwsgi, GatewayProtocol.FastCgi];

    public async Task InitializeAsync() => _server = await TestServer.StartEchoAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Echo_answers_every_field_of_a_get(GatewayProtocol gateway)
    {
        var request = TestRequest.Get("/echo/a%20b?x=1&y=%32") with
        {
            Headers = [("Host", "example.test"), ("Accept", "*/*"), ("X-Dup", "one"), ("X-Dup", "two")],
        };

        var response = await _server.SendAsync(gateway, request);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("application/json", response.Header("Content-Type"));
        using var json = JsonDocument.Parse(response.Body);
        var root = json.RootElement;
        Assert.Equal(
            ["method", "path", "rawTarget", "query", "scheme", "serverName", "serverPort", "remoteAddr", "remotePort", "protocol", "gateway", "headers", "contentLength", "bodyLength", "bodySha256"],
            root.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("GET", root.GetProperty("method").GetString());
        Assert.Equal("/echo/a b", root.GetProperty("path").GetString());
        Assert.Equal("/echo/a%20b?x=1&y=%32", root.GetProperty("rawTarget").GetString());
        Assert.Equal("x=1&y=%32", root.GetProperty("query").GetString());
        Assert.Equal("http", root.GetProperty("scheme").GetString());
        Assert.Equal("example.test", root.GetProperty("serverName").GetString());
        Assert.Equal(8080, root.GetProperty("serverPort").GetInt32());
        Assert.Equal("192.0.2.10", root.GetProperty("remoteAddr").GetString());
        Assert.Equal(51234, root.GetProperty("remotePort").GetInt32());
        Assert.Equal("HTTP/1.1", root.GetProperty("protocol").GetString());
        Assert.Equal(gateway == GatewayProtocol.Uwsgi ? "uwsgi" : "fastcgi", root.GetProperty("gateway").GetString());
        var headers = root.GetProperty("headers");
        Assert.Equal("example.test", headers.GetProperty("host").GetString());
        Assert.Equal("*/*", headers.GetProperty("accept").GetString());
        Assert.Equal("one, two", headers.GetProperty("x-dup").GetString());
        Assert.Equal(3, headers.EnumerateObject().Count());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("contentLength").ValueKind);
        Assert.Equal(0, root.GetProperty("bodyLength").GetInt64());
        Assert.Equal(Sha256([]), root.GetProperty("bodySha256").GetString());
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Echo_reports_the_length_and_hash_of_a_posted_body(GatewayProtocol gateway)
    {
        var body = Pattern(100_000);
        var request = new TestRequest("POST", "/echo") { Body = body, Headers = [("Host", "h"), ("Content-Type", "application/octet-stream")] };

        var response = await _server.SendAsync(gateway, request);

        Assert.Equal(200, response.StatusCode);
        using var json = JsonDocument.Parse(response.Body);
        Assert.Equal("POST", json.RootElement.GetProperty("method").GetString());
        Assert.Equal(100_000, json.RootElement.GetProperty("contentLength").GetInt64());
        Assert.Equal(100_000, json.RootElement.GetProperty("bodyLength").GetInt64());
        Assert.Equal(Sha256(body), json.RootElement.GetProperty("bodySha256").GetString());
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Hello_answers_exactly_hello_world_with_a_content_length_of_12(GatewayProtocol gateway)
    {
        var response = await _server.GetAsync(gateway, "/hello");

        Assert.Equal(gateway == GatewayProtocol.Uwsgi ? "HTTP/1.1 200 OK" : "Status: 200 OK", response.FirstLine);
        Assert.Equal("12", response.Header("Content-Length"));
        Assert.Equal("text/plain", response.Header("Content-Type"));
        Assert.Equal("hello world\n"u8.ToArray(), response.Body);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Status_204_and_304_have_neither_body_nor_content_length(GatewayProtocol gateway)
    {
        foreach (var code in new[] { 204, 304 })
        {
            var response = await _server.GetAsync(gateway, $"/status/{code}");

            Assert.Equal(code, response.StatusCode);
            Assert.Null(response.Header("Content-Length"));
            Assert.Empty(response.Body);
        }
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Other_statuses_have_an_empty_body_with_content_length_0(GatewayProtocol gateway)
    {
        foreach (var code in new[] { 200, 201, 404, 418, 503, 599 })
        {
            var response = await _server.SendAsync(gateway, new TestRequest("DELETE", $"/status/{code}"));

            Assert.Equal(code, response.StatusCode);
            Assert.Equal("0", response.Header("Content-Length"));
            Assert.Empty(response.Body);
        }
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Bytes_sends_the_pattern_with_its_content_length(GatewayProtocol gateway)
    {
        var response = await _server.GetAsync(gateway, "/bytes/200000");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("200000", response.Header("Content-Length"));
        Assert.Equal("application/octet-stream", response.Header("Content-Type"));
        Assert.Equal(Pattern(200_000), response.Body);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Stream_sends_every_chunk_without_content_length_and_with_buffering_off(GatewayProtocol gateway)
    {
        var response = await _server.GetAsync(gateway, "/stream/7/1000");

        Assert.Equal(200, response.StatusCode);
        Assert.Null(response.Header("Content-Length"));
        Assert.Equal("no", response.Header("X-Accel-Buffering"));
        Assert.Equal(Pattern(7000), response.Body);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Delay_waits_then_answers_ok(GatewayProtocol gateway)
    {
        var started = DateTime.UtcNow;

        var response = await _server.GetAsync(gateway, "/delay/200");

        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(190));
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("ok\n", response.BodyText);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Headers_adds_one_header_per_query_pair_keeping_repeated_set_cookie_in_order(GatewayProtocol gateway)
    {
        var response = await _server.GetAsync(gateway, "/headers?Set-Cookie=a%3D1&X-One=1&Set-Cookie=b%3D2");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("ok\n", response.BodyText);
        Assert.Equal(["a=1", "b=2"], response.All("Set-Cookie"));
        Assert.Equal("1", response.Header("X-One"));
        var names = response.Headers.Select(h => h.Name).ToList();
        Assert.True(names.IndexOf("Set-Cookie") < names.IndexOf("X-One") && names.IndexOf("X-One") < names.LastIndexOf("Set-Cookie"));
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Throw_answers_500_and_the_next_request_succeeds(GatewayProtocol gateway)
    {
        var failed = await _server.GetAsync(gateway, "/throw");
        var next = await _server.GetAsync(gateway, "/hello");

        Assert.Equal(500, failed.StatusCode);
        Assert.Equal("0", failed.Header("Content-Length"));
        Assert.Empty(failed.Body);
        Assert.Equal(200, next.StatusCode);
        Assert.Equal("hello world\n", next.BodyText);
        Assert.Contains(_server.Logs.Entries, e => e.EventId == 301 && e.Exception is InvalidOperationException);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Vars_returns_every_variable_as_it_arrived_with_a_duplicate_name_as_an_array(GatewayProtocol gateway)
    {
        var request = TestRequest.Get("/vars") with { Extra = [("HTTP_COOKIE", "a=1"), ("HTTP_COOKIE", "b=2"), ("EMPTY", "")] };

        var response = await _server.SendAsync(gateway, request);

        Assert.Equal(200, response.StatusCode);
        using var json = JsonDocument.Parse(response.Body);
        var root = json.RootElement;
        Assert.Equal(["a=1", "b=2"], root.GetProperty("HTTP_COOKIE").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal("", root.GetProperty("EMPTY").GetString());
        Assert.Equal("/vars", root.GetProperty("REQUEST_URI").GetString());
        Assert.Equal("", root.GetProperty("CONTENT_LENGTH").GetString());
        var expectedNames = request.Variables().Select(v => v.Name).Distinct().ToArray();
        Assert.Equal(expectedNames, root.EnumerateObject().Select(p => p.Name).ToArray());
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Upload_reads_the_body_as_a_stream_and_reports_length_and_hash(GatewayProtocol gateway)
    {
        var body = Pattern(300_001);
        var response = await _server.SendAsync(gateway, new TestRequest("POST", "/upload") { Body = body });

        Assert.Equal(200, response.StatusCode);
        using var json = JsonDocument.Parse(response.Body);
        Assert.Equal(300_001, json.RootElement.GetProperty("bodyLength").GetInt64());
        Assert.Equal(Sha256(body), json.RootElement.GetProperty("bodySha256").GetString());
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Head_gets_the_status_and_headers_of_get_and_no_body(GatewayProtocol gateway)
    {
        foreach (var uri in new[] { "/hello", "/bytes/70000", "/status/404", "/stream/3/10", "/headers?Set-Cookie=a&Set-Cookie=b", "/nowhere" })
        {
            var get = await _server.GetAsync(gateway, uri);
            var head = await _server.SendAsync(gateway, new TestRequest("HEAD", uri));

            Assert.Equal(get.FirstLine, head.FirstLine);
            Assert.Equal(get.Headers, head.Headers);
            Assert.Empty(head.Body);
        }
    }

    [Fact]
    public async Task A_uwsgi_response_starts_with_an_http_1_1_status_line()
    {
        var raw = await Wire.ExchangeAsync(_server.EndPoint, UwsgiWire.Encode(TestRequest.Get("/hello")));

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", Encoding.ASCII.GetString(raw), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fastcgi_response_is_stdout_with_status_then_empty_stdout_then_end_request_on_the_same_id()
    {
        using var socket = await _server.ConnectAsync();
        await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get("/hello"), requestId: 7));

        var exchange = await new FastCgiReader(socket).ReadUntilEndAsync(7);

        exchange.AssertWellFramed(7);
        Assert.All(exchange.Records, r => Assert.Equal(7, r.RequestId));
        Assert.StartsWith("Status: 200 OK\r\n", Encoding.ASCII.GetString(exchange.Stdout(7)), StringComparison.Ordinal);
    }

    internal static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(i % 251);
        }

        return bytes;
    }

    internal static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
