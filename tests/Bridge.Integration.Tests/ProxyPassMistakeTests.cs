using System.Net;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;

namespace Bridge.Integration.Tests;

/// <summary>proxy_pass to a Bridge socket by mistake: plain HTTP arrives, and Bridge names the directive to use.</summary>
[Collection(EchoBehindNginxDefinition.Name)]
public sealed class ProxyPassMistakeTests(EchoBehindNginx stack)
{
    [Theory]
    [MemberData(nameof(EchoApps.All), MemberType = typeof(EchoApps))]
    public async Task Plain_http_from_proxy_pass_to_a_uwsgi_listener_gets_400_naming_uwsgi_pass_only(EchoApp app)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var warningsBefore = stack.UwsgiEcho(app).CountInLog("sent plain HTTP");

        using var response = await stack.Client.GetAsync(new Uri(stack.BaseAddress(app, "MISTAKE_PORT"), "/hello"), timeout.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(timeout.Token);
        Assert.Contains("this socket speaks uwsgi (Bridge)", body, StringComparison.Ordinal);
        Assert.Contains("uwsgi_pass", body, StringComparison.Ordinal);
        Assert.DoesNotContain("fastcgi_pass", body, StringComparison.Ordinal); // the listener speaks uwsgi only
        Assert.True(
            await Eventually.TrueAsync(() => stack.UwsgiEcho(app).CountInLog("sent plain HTTP") > warningsBefore, TimeSpan.FromSeconds(5)),
            "Echo did not log the proxy_pass mistake:\n" + stack.UwsgiEcho(app).Log);
    }
}
