using Bridge.Server.Gateway;
using Bridge.Server.Logging;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>Values from the wire or the app never split or forge a log line: their control characters are escaped.</summary>
public sealed class LogInjectionTests
{
    public static TheoryData<GatewayProtocol> Gateways => [GatewayProtocol.Uwsgi, GatewayProtocol.FastCgi];

    [Fact]
    public void A_value_without_control_characters_is_returned_as_it_is()
    {
        var value = "/echo/a%20b?x=1&y=caf\u00e9";

        Assert.Same(value, LogValue.Escape(value));
    }

    [Theory]
    [InlineData("a\r\nb", @"a\x0D\x0Ab")]
    [InlineData("\0\t\u001b", @"\x00\x09\x1B")]
    [InlineData("del\u007f c1\u0085", @"del\x7F c1\x85")]
    [InlineData("line\u2028para\u2029", @"line\u2028para\u2029")]
    [InlineData(@"back\slash", @"back\\slash")]
    [InlineData(@"looks\x0Aescaped", @"looks\\x0Aescaped")]
    public void Control_characters_and_backslashes_are_escaped(string value, string expected)
    {
        Assert.Equal(expected, LogValue.Escape(value));
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task A_response_header_name_with_cr_lf_is_logged_on_one_line(GatewayProtocol gateway)
    {
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            context.Response.Headers.Add("X-Bad\r\nInjected: yes", "value");
            await context.Response.Body.WriteAsync("body"u8.ToArray());
        }));

        var response = await server.GetAsync(gateway, "/");

        Assert.Equal(500, response.StatusCode);
        var line = (await server.Logs.WaitForAsync(302)).Message;
        Assert.DoesNotContain('\r', line);
        Assert.DoesNotContain('\n', line);
        Assert.Contains(@"X-Bad\x0D\x0AInjected: yes", line, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task A_request_target_and_method_with_control_characters_are_escaped_in_the_access_log(GatewayProtocol gateway)
    {
        await using var server = await TestServer.StartAsync(new DelegateApplication(_ => Task.CompletedTask));

        var response = await server.SendAsync(gateway, new TestRequest("GE\nT", "/a\r\n127.0.0.1 - GET /forged 200\u0085?q=\u001b[31m"));

        Assert.Equal(200, response.StatusCode);
        var line = (await server.Logs.WaitForAsync(390)).Message;
        Assert.DoesNotContain('\r', line);
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain('\u0085', line);
        Assert.DoesNotContain('\u001b', line);
        Assert.StartsWith(@"GE\x0AT /a\x0D\x0A127.0.0.1 - GET /forged 200\x85?q=\x1B[31m 200 ", line, StringComparison.Ordinal);
    }
}
