using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;

namespace Bridge.Integration.Tests;

/// <summary>
/// The Echo contract (shared/echo-app.md) through every front end besides nginx that the README names, against both
/// Echo apps. Where a front end itself changes an answer, the test says so and asserts what it does.
/// </summary>
[Collection(OtherFrontEndsDefinition.Name)]
public sealed class FrontEndRouteTests(OtherFrontEnds fronts)
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task Echo_describes_the_request_as_the_front_end_passed_it(OtherFrontEnd front, EchoApp app)
    {
        var body = "hello world"u8.ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, fronts.Url(front, app, "/echo/a%20b/c?x=1&y=%20z")) { Content = new ByteArrayContent(body) };
        request.Headers.Add("X-Test", "Value One");

        using var response = await fronts.Client.SendAsync(request, Timeout);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}\n{fronts.Log(front, app)}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Timeout));
        var echo = json.RootElement;
        Assert.Equal("POST", echo.GetProperty("method").GetString());
        Assert.Equal("/echo/a b/c", echo.GetProperty("path").GetString());
        Assert.Equal("/echo/a%20b/c?x=1&y=%20z", echo.GetProperty("rawTarget").GetString());
        Assert.Equal("x=1&y=%20z", echo.GetProperty("query").GetString());
        Assert.Equal("http", echo.GetProperty("scheme").GetString());
        Assert.Equal(fronts.Port(front, app), echo.GetProperty("serverPort").GetInt32());
        Assert.Equal("127.0.0.1", echo.GetProperty("remoteAddr").GetString());
        Assert.InRange(echo.GetProperty("remotePort").GetInt32(), 1, 65535);
        Assert.Equal("HTTP/1.1", echo.GetProperty("protocol").GetString());
        Assert.Equal(front is OtherFrontEnd.ApacheUwsgi or OtherFrontEnd.UwsgiRouter ? "uwsgi" : "fastcgi", echo.GetProperty("gateway").GetString());
        var headers = echo.GetProperty("headers");
        Assert.Equal("Value One", headers.GetProperty("x-test").GetString());
        Assert.True(headers.TryGetProperty("host", out _), "The host header is missing: " + headers);
        Assert.Equal(body.Length, echo.GetProperty("contentLength").GetInt64());
        Assert.Equal(body.Length, echo.GetProperty("bodyLength").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), echo.GetProperty("bodySha256").GetString());
    }

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task Hello_answers_exactly_hello_world(OtherFrontEnd front, EchoApp app)
    {
        using var response = await fronts.Client.GetAsync(fronts.Url(front, app, "/hello"), Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(12, response.Content.Headers.ContentLength);
        Assert.Equal("hello world\n"u8.ToArray(), await response.Content.ReadAsByteArrayAsync(Timeout));
    }

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task Head_hello_has_no_body_and_the_length_of_get_except_through_mod_proxy_fcgi(OtherFrontEnd front, EchoApp app)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, fronts.Url(front, app, "/hello"));

        using var response = await fronts.Client.SendAsync(request, Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        // Bridge sends Content-Length: 12 on FastCGI too (CgiFcgiTests sees it); Apache's mod_proxy_fcgi drops it from a HEAD answer.
        Assert.Equal(front == OtherFrontEnd.ApacheFastCgi ? null : 12, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Timeout));
    }

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task Status_answers_its_code_on_a_path_of_two_segments(OtherFrontEnd front, EchoApp app)
    {
        foreach (var code in new[] { 201, 204, 404, 503 })
        {
            using var response = await fronts.Client.GetAsync(fronts.Url(front, app, "/status/" + code), Timeout);

            Assert.Equal(code, (int)response.StatusCode);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync(Timeout));
        }
    }

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task Bytes_answers_n_bytes_of_the_pattern(OtherFrontEnd front, EchoApp app)
    {
        const int Length = 100_003;

        using var response = await fronts.Client.GetAsync(fronts.Url(front, app, "/bytes/" + Length), Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Length, response.Content.Headers.ContentLength);
        var body = await response.Content.ReadAsByteArrayAsync(Timeout);
        Assert.Equal(Length, body.Length);
        Assert.Equal(-1, EchoPattern.FirstMismatch(body, 0));
    }

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task Headers_sends_one_header_per_query_pair_and_two_set_cookies_arrive(OtherFrontEnd front, EchoApp app)
    {
        using var response = await fronts.Client.GetAsync(fronts.Url(front, app, "/headers?Set-Cookie=a%3D1&X-One=first&Set-Cookie=b%3D2"), Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new[] { "a=1", "b=2" }, response.Headers.GetValues("Set-Cookie"));
        Assert.Equal(new[] { "first" }, response.Headers.GetValues("X-One"));
        Assert.Equal("ok\n", await response.Content.ReadAsStringAsync(Timeout));
    }

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task Vars_lists_the_gateway_variables_as_json(OtherFrontEnd front, EchoApp app)
    {
        using var response = await fronts.Client.GetAsync(fronts.Url(front, app, "/vars?q=1"), Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Timeout));
        var vars = json.RootElement;
        Assert.Equal("GET", vars.GetProperty("REQUEST_METHOD").GetString());
        Assert.Equal("/vars?q=1", vars.GetProperty("REQUEST_URI").GetString());
        Assert.Equal("q=1", vars.GetProperty("QUERY_STRING").GetString());
    }

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task Upload_reports_the_length_and_hash_of_the_body(OtherFrontEnd front, EchoApp app)
    {
        var body = Encoding.UTF8.GetBytes("a small body, with UTF-8: é ✓");

        using var response = await fronts.Client.PostAsync(fronts.Url(front, app, "/upload"), new ByteArrayContent(body), Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Timeout));
        Assert.Equal(body.Length, json.RootElement.GetProperty("bodyLength").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), json.RootElement.GetProperty("bodySha256").GetString());
    }
}
