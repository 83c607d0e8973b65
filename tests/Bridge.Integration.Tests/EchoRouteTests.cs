using System.Net;
using System.Text;
using System.Text.Json;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;

namespace Bridge.Integration.Tests;

/// <summary>Every Echo route of shared/echo-app.md, through nginx, in every way nginx reaches Bridge.</summary>
[Collection(EchoBehindNginxDefinition.Name)]
public sealed class EchoRouteTests(EchoBehindNginx stack)
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Theory]
    [MemberData(nameof(EchoApps.InEveryMode), MemberType = typeof(EchoApps))]
    public async Task Echo_describes_the_request_as_nginx_passed_it(EchoApp app, FrontEndMode mode)
    {
        var body = "hello world"u8.ToArray();
        using var request = EchoAnswers.EchoRequest(stack.BaseAddress(app, mode), body);

        using var response = await stack.Client.SendAsync(request, Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = await EchoAnswers.ReadJsonAsync(response, Timeout);
        var echo = json.RootElement;
        EchoAnswers.AssertDescribes(echo, EchoAnswers.EchoQuery, stack.Port(app, mode), mode.Gateway(), body);
        EchoAnswers.AssertFromLoopbackClient(echo, body.Length);
        Assert.All(echo.GetProperty("headers").EnumerateObject(), h => Assert.Equal(h.Name.ToLowerInvariant(), h.Name));
    }

    [Theory]
    [MemberData(nameof(EchoApps.InEveryMode), MemberType = typeof(EchoApps))]
    public async Task Echo_joins_a_header_sent_on_two_lines_with_a_comma(EchoApp app, FrontEndMode mode)
    {
        var port = stack.Port(app, mode);
        var head = $"GET /echo HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Dup: one\r\nX-Dup: two\r\nConnection: close\r\n\r\n";

        var (status, _, body) = await RawHttp.SendAsync(port, head, Timeout);

        Assert.Equal(200, status);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("one, two", json.RootElement.GetProperty("headers").GetProperty("x-dup").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("contentLength").ValueKind);
        Assert.Equal(0, json.RootElement.GetProperty("bodyLength").GetInt64());
    }

    [Theory]
    [MemberData(nameof(EchoApps.InEveryMode), MemberType = typeof(EchoApps))]
    public async Task Hello_answers_exactly_hello_world(EchoApp app, FrontEndMode mode)
    {
        using var response = await stack.Client.GetAsync(stack.Url(app, mode, "/hello"), Timeout);

        await EchoAnswers.AssertHelloAsync(response, Timeout);
    }

    [Theory]
    [MemberData(nameof(EchoApps.InEveryMode), MemberType = typeof(EchoApps))]
    public async Task Head_hello_has_the_length_of_get_and_no_body(EchoApp app, FrontEndMode mode)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, stack.Url(app, mode, "/hello"));

        using var response = await stack.Client.SendAsync(request, Timeout);

        await EchoAnswers.AssertHeadHelloAsync(response, 12, Timeout);

        // The connection is still usable: nginx did not wait for (or pass on) body bytes.
        using var next = await stack.Client.GetAsync(stack.Url(app, mode, "/hello"), Timeout);
        Assert.Equal("hello world\n", await next.Content.ReadAsStringAsync(Timeout));
    }

    [Theory]
    [MemberData(nameof(EchoApps.InEveryMode), MemberType = typeof(EchoApps))]
    public async Task Status_204_answers_204_without_a_body(EchoApp app, FrontEndMode mode)
    {
        using var response = await stack.Client.GetAsync(stack.Url(app, mode, "/status/204"), Timeout);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Timeout));
    }

    [Theory]
    [MemberData(nameof(EchoApps.InEveryMode), MemberType = typeof(EchoApps))]
    public async Task Status_404_and_503_answer_that_status_with_an_empty_body(EchoApp app, FrontEndMode mode)
    {
        foreach (var code in new[] { 404, 503 })
        {
            using var response = await stack.Client.GetAsync(stack.Url(app, mode, "/status/" + code), Timeout);

            Assert.Equal(code, (int)response.StatusCode);
            Assert.Equal(0, response.Content.Headers.ContentLength);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync(Timeout));
        }
    }

    [Theory]
    [MemberData(nameof(EchoApps.InEveryMode), MemberType = typeof(EchoApps))]
    public async Task Bytes_answers_n_bytes_of_the_pattern(EchoApp app, FrontEndMode mode)
    {
        const int Length = 100_003;

        using var response = await stack.Client.GetAsync(stack.Url(app, mode, "/bytes/" + Length), Timeout);

        await EchoAnswers.AssertBytesAsync(response, Length, Timeout);
    }

    [Theory]
    [MemberData(nameof(EchoApps.InEveryMode), MemberType = typeof(EchoApps))]
    public async Task Headers_sends_one_header_per_query_pair_and_two_set_cookies_arrive(EchoApp app, FrontEndMode mode)
    {
        using var response = await stack.Client.GetAsync(stack.Url(app, mode, EchoAnswers.HeadersTarget), Timeout);

        await EchoAnswers.AssertHeadersAsync(response, Timeout);
    }

    [Theory]
    [MemberData(nameof(EchoApps.InEveryMode), MemberType = typeof(EchoApps))]
    public async Task Vars_lists_the_gateway_variables_as_json(EchoApp app, FrontEndMode mode)
    {
        using var response = await stack.Client.GetAsync(stack.Url(app, mode, EchoAnswers.VarsTarget), Timeout);

        using var json = await EchoAnswers.ReadVarsAsync(response, Timeout);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var vars = json.RootElement;
        Assert.Equal("q=1", vars.GetProperty("QUERY_STRING").GetString());
        if (mode != FrontEndMode.Uwsgi)
        {
            Assert.Equal("CGI/1.1", vars.GetProperty("GATEWAY_INTERFACE").GetString()); // only fastcgi_params sets it
        }
    }

    [Theory]
    [MemberData(nameof(EchoApps.InEveryMode), MemberType = typeof(EchoApps))]
    public async Task Upload_reports_the_length_and_hash_of_the_body(EchoApp app, FrontEndMode mode)
    {
        var body = Encoding.UTF8.GetBytes("a small body, with UTF-8: é ✓");

        using var response = await stack.Client.PostAsync(stack.Url(app, mode, "/upload"), new ByteArrayContent(body), Timeout);

        await EchoAnswers.AssertUploadAsync(response, body, Timeout);
    }
}
