using System.Net;
using System.Text;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;

namespace Bridge.Integration.Tests.Containers;

/// <summary>Every Echo route of shared/echo-app.md, through nginx in a container, to Echo on the host over a bind-mounted socket.</summary>
[Collection(EchoBehindContainerNginxDefinition.Name)]
public sealed class ContainerEchoRouteTests(EchoBehindContainerNginx stack)
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Theory]
    [MemberData(nameof(ContainerModes.Both), MemberType = typeof(ContainerModes))]
    public async Task Echo_describes_the_request_as_nginx_in_the_container_passed_it(FrontEndMode mode)
    {
        var body = "hello from outside the container"u8.ToArray();
        using var request = EchoAnswers.EchoRequest(stack.BaseAddress(mode), body);

        using var response = await stack.Client.SendAsync(request, Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = await EchoAnswers.ReadJsonAsync(response, Timeout);
        var echo = json.RootElement;
        EchoAnswers.AssertDescribes(echo, EchoAnswers.EchoQuery, stack.ContainerPort(mode), mode.Gateway(), body); // SERVER_PORT: nginx's own port, in its container
        Assert.Equal(stack.GatewayAddress, echo.GetProperty("remoteAddr").GetString()); // Docker's port proxy connects from the gateway
    }

    [Theory]
    [MemberData(nameof(ContainerModes.Both), MemberType = typeof(ContainerModes))]
    public async Task Hello_and_head_hello_answer_as_on_the_host(FrontEndMode mode)
    {
        using var hello = await stack.Client.GetAsync(stack.Url(mode, "/hello"), Timeout);
        using var head = await stack.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, stack.Url(mode, "/hello")), Timeout);

        await EchoAnswers.AssertHelloAsync(hello, Timeout);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(12, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync(Timeout));
    }

    [Theory]
    [MemberData(nameof(ContainerModes.Both), MemberType = typeof(ContainerModes))]
    public async Task Status_answers_the_status_asked_for_with_an_empty_body(FrontEndMode mode)
    {
        using var noContent = await stack.Client.GetAsync(stack.Url(mode, "/status/204"), Timeout);
        using var notFound = await stack.Client.GetAsync(stack.Url(mode, "/status/404"), Timeout);
        using var unavailable = await stack.Client.PostAsync(stack.Url(mode, "/status/503"), new StringContent("x"), Timeout);

        Assert.Equal(HttpStatusCode.NoContent, noContent.StatusCode);
        Assert.Empty(await noContent.Content.ReadAsByteArrayAsync(Timeout));
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal(0, notFound.Content.Headers.ContentLength);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
        Assert.Equal(0, unavailable.Content.Headers.ContentLength);
    }

    [Theory]
    [MemberData(nameof(ContainerModes.Both), MemberType = typeof(ContainerModes))]
    public async Task Bytes_answers_n_bytes_of_the_pattern(FrontEndMode mode)
    {
        const int Length = 100_003;

        using var response = await stack.Client.GetAsync(stack.Url(mode, "/bytes/" + Length), Timeout);

        await EchoAnswers.AssertBytesAsync(response, Length, Timeout);
    }

    [Theory]
    [MemberData(nameof(ContainerModes.Both), MemberType = typeof(ContainerModes))]
    public async Task Headers_sends_one_header_per_query_pair_and_two_set_cookies_arrive(FrontEndMode mode)
    {
        using var response = await stack.Client.GetAsync(stack.Url(mode, EchoAnswers.HeadersTarget), Timeout);

        await EchoAnswers.AssertHeadersAsync(response, Timeout);
    }

    [Theory]
    [MemberData(nameof(ContainerModes.Both), MemberType = typeof(ContainerModes))]
    public async Task Vars_lists_the_variables_nginx_in_the_container_sent(FrontEndMode mode)
    {
        using var response = await stack.Client.GetAsync(stack.Url(mode, EchoAnswers.VarsTarget), Timeout);

        using var json = await EchoAnswers.ReadVarsAsync(response, Timeout);
        Assert.Equal(stack.GatewayAddress, json.RootElement.GetProperty("REMOTE_ADDR").GetString());
    }

    [Theory]
    [MemberData(nameof(ContainerModes.Both), MemberType = typeof(ContainerModes))]
    public async Task Upload_reports_the_length_and_hash_of_the_body(FrontEndMode mode)
    {
        var body = Encoding.UTF8.GetBytes("a small body, with UTF-8: é ✓");

        using var response = await stack.Client.PostAsync(stack.Url(mode, "/upload"), new ByteArrayContent(body), Timeout);

        await EchoAnswers.AssertUploadAsync(response, body, Timeout);
    }

    [Theory]
    [MemberData(nameof(ContainerModes.Both), MemberType = typeof(ContainerModes))]
    public async Task Throw_answers_500_and_the_next_request_is_served(FrontEndMode mode)
    {
        var echo = stack.EchoBehind(mode);
        var failuresBefore = echo.CountInLog(EchoProcess.FailedLine);

        using var failed = await stack.Client.GetAsync(stack.Url(mode, "/throw"), Timeout);
        using var next = await stack.Client.GetAsync(stack.Url(mode, "/hello"), Timeout);

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal("hello world\n", await next.Content.ReadAsStringAsync(Timeout));
        Assert.True(
            await Eventually.TrueAsync(() => echo.CountInLog(EchoProcess.FailedLine) > failuresBefore, TimeSpan.FromSeconds(5)),
            "Echo did not log the application failure:\n" + echo.Log);
    }
}
