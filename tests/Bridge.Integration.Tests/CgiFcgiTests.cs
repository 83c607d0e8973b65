using System.Text.Json;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;

namespace Bridge.Integration.Tests;

/// <summary>The Echo contract through libfcgi's cgi-fcgi, the CGI-to-FastCGI bridge, against both Echo apps.</summary>
[Collection(OtherFrontEndsDefinition.Name)]
public sealed class CgiFcgiTests(OtherFrontEnds fronts)
{
    [Theory]
    [MemberData(nameof(EchoApps.All), MemberType = typeof(EchoApps))]
    public async Task Echo_describes_the_request_as_cgi_fcgi_passed_it(EchoApp app)
    {
        var body = "hello world"u8.ToArray();

        var response = await CgiFcgi.SendAsync(fronts.SocketPath(app), "POST", EchoAnswers.EchoPath + "?x=1", body, [("X-Test", "Value One")]);

        Assert.True(response.ExitCode == 0 && response.Status == 200, $"exit {response.ExitCode}, status {response.Status}: {response.Error}");
        using var json = JsonDocument.Parse(response.BodyText);
        EchoAnswers.AssertDescribes(json.RootElement, "x=1", 8080, "fastcgi", body);
        Assert.Equal(body.Length, json.RootElement.GetProperty("contentLength").GetInt64());
    }

    [Theory]
    [MemberData(nameof(EchoApps.All), MemberType = typeof(EchoApps))]
    public async Task Hello_and_head_hello_carry_the_same_length(EchoApp app)
    {
        var get = await CgiFcgi.SendAsync(fronts.SocketPath(app), "GET", "/hello");
        var head = await CgiFcgi.SendAsync(fronts.SocketPath(app), "HEAD", "/hello");

        Assert.Equal(200, get.Status);
        Assert.Equal("hello world\n", get.BodyText);
        Assert.Equal(["12"], get.Header("Content-Length"));
        Assert.Equal(200, head.Status);
        Assert.Equal(["12"], head.Header("Content-Length"));
        Assert.Empty(head.Body);
    }

    [Theory]
    [MemberData(nameof(EchoApps.All), MemberType = typeof(EchoApps))]
    public async Task Status_bytes_headers_vars_and_upload_answer_as_the_contract_says(EchoApp app)
    {
        var socket = fronts.SocketPath(app);
        foreach (var code in new[] { 201, 204, 404 })
        {
            Assert.Equal(code, (await CgiFcgi.SendAsync(socket, "GET", "/status/" + code)).Status);
        }

        var bytes = await CgiFcgi.SendAsync(socket, "GET", "/bytes/100003");
        Assert.Equal(100_003, bytes.Body.Length);
        Assert.Equal(-1, EchoPattern.FirstMismatch(bytes.Body, 0));

        var headers = await CgiFcgi.SendAsync(socket, "GET", "/headers?Set-Cookie=a%3D1&Set-Cookie=b%3D2");
        Assert.Equal(["a=1", "b=2"], headers.Header("Set-Cookie"));

        using var vars = JsonDocument.Parse((await CgiFcgi.SendAsync(socket, "GET", "/vars?q=1")).BodyText);
        Assert.Equal("/vars?q=1", vars.RootElement.GetProperty("REQUEST_URI").GetString());
        Assert.Equal("CGI/1.1", vars.RootElement.GetProperty("GATEWAY_INTERFACE").GetString());

        var upload = new byte[200_000];
        Random.Shared.NextBytes(upload);
        using var uploaded = JsonDocument.Parse((await CgiFcgi.SendAsync(socket, "POST", "/upload", upload)).BodyText);
        EchoAnswers.AssertBody(uploaded.RootElement, upload);
    }
}
