using System.Net;
using System.Text;
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
        using var request = EchoAnswers.EchoRequest(fronts.BaseAddress(front, app), body);

        using var response = await fronts.Client.SendAsync(request, Timeout);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}\n{fronts.Log(front, app)}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = await EchoAnswers.ReadJsonAsync(response, Timeout);
        var gateway = front is OtherFrontEnd.ApacheUwsgi or OtherFrontEnd.UwsgiRouter ? "uwsgi" : "fastcgi";
        EchoAnswers.AssertDescribes(json.RootElement, EchoAnswers.EchoQuery, fronts.Port(front, app), gateway, body);
        EchoAnswers.AssertFromLoopbackClient(json.RootElement, body.Length);
    }

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task Hello_answers_exactly_hello_world(OtherFrontEnd front, EchoApp app)
    {
        using var response = await fronts.Client.GetAsync(fronts.Url(front, app, "/hello"), Timeout);

        await EchoAnswers.AssertHelloAsync(response, Timeout);
    }

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task Head_hello_has_no_body_and_the_length_of_get_except_through_mod_proxy_fcgi(OtherFrontEnd front, EchoApp app)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, fronts.Url(front, app, "/hello"));

        using var response = await fronts.Client.SendAsync(request, Timeout);

        // Bridge sends Content-Length: 12 on FastCGI too (CgiFcgiTests sees it); Apache's mod_proxy_fcgi drops it from a HEAD answer.
        await EchoAnswers.AssertHeadHelloAsync(response, front == OtherFrontEnd.ApacheFastCgi ? null : 12, Timeout);
    }

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task Status_answers_its_code_on_a_path_of_two_segments(OtherFrontEnd front, EchoApp app)
    {
        foreach (var code in new[] { 201, 204, 404, 503 })
        {
            HttpResponseMessage response;
            try
            {
                response = await fronts.Client.GetAsync(fronts.Url(front, app, "/status/" + code), Timeout);
            }
            catch (HttpRequestException ex)
            {
                throw new InvalidOperationException($"/status/{code} failed: {ex.Message}\n{fronts.Log(front, app)}\nEcho:\n{string.Join('\n', fronts.Echo(app).Log.Split('\n').TakeLast(30))}", ex);
            }

            using var _ = response;
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

        await EchoAnswers.AssertBytesAsync(response, Length, Timeout);
    }

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task Headers_sends_one_header_per_query_pair_and_two_set_cookies_arrive(OtherFrontEnd front, EchoApp app)
    {
        using var response = await fronts.Client.GetAsync(fronts.Url(front, app, EchoAnswers.HeadersTarget), Timeout);

        await EchoAnswers.AssertHeadersAsync(response, Timeout);
    }

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task Vars_lists_the_gateway_variables_as_json(OtherFrontEnd front, EchoApp app)
    {
        using var response = await fronts.Client.GetAsync(fronts.Url(front, app, EchoAnswers.VarsTarget), Timeout);

        using var json = await EchoAnswers.ReadVarsAsync(response, Timeout);
        Assert.Equal("q=1", json.RootElement.GetProperty("QUERY_STRING").GetString());
    }

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task Upload_reports_the_length_and_hash_of_the_body(OtherFrontEnd front, EchoApp app)
    {
        var body = Encoding.UTF8.GetBytes("a small body, with UTF-8: é ✓");

        using var response = await fronts.Client.PostAsync(fronts.Url(front, app, "/upload"), new ByteArrayContent(body), Timeout);

        await EchoAnswers.AssertUploadAsync(response, body, Timeout);
    }
}
