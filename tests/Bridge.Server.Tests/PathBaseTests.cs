using Bridge.Server.Gateway;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>Bridge:PathBase splits the decoded path into PathBase and Path; the default routes lighttpd mounted at "/".</summary>
public sealed class PathBaseTests
{
    private static readonly (string, string?)[] LighttpdAtRoot = [("SCRIPT_NAME", "/status"), ("PATH_INFO", "/201"), ("SERVER_SOFTWARE", "lighttpd/1.4.69")];

    public static TheoryData<GatewayProtocol> Gateways => [GatewayProtocol.Uwsgi, GatewayProtocol.FastCgi];

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task By_default_lighttpd_mounted_at_the_root_gets_the_whole_path(GatewayProtocol gateway)
    {
        Assert.Equal("|/status/201", await SplitAsync(null, gateway, TestRequest.Get("/status/201") with { Set = LighttpdAtRoot }));
    }

    [Theory]
    [InlineData(null, "/app|/items/7")]
    [InlineData("auto", "/app|/items/7")]
    [InlineData("ScriptName", "/app|/items/7")]
    [InlineData("none", "|/app/items/7")]
    [InlineData("/other", "|/app/items/7")]
    public async Task A_script_name_mount_is_the_path_base_unless_the_option_says_otherwise(string? option, string expected)
    {
        var request = TestRequest.Get("/app/items/7?x=1") with { Set = [("SCRIPT_NAME", "/app")] };

        Assert.Equal(expected, await SplitAsync(option, GatewayProtocol.Uwsgi, request));
    }

    [Fact]
    public async Task ScriptName_takes_lighttpds_script_name_as_it_is()
    {
        Assert.Equal("/status|/201", await SplitAsync("ScriptName", GatewayProtocol.FastCgi, TestRequest.Get("/status/201") with { Set = LighttpdAtRoot }));
    }

    [Theory]
    [InlineData("/app/items", "/app|/items")]
    [InlineData("/App/items", "/App|/items")]
    [InlineData("/app", "/app|")]
    [InlineData("/application/x", "|/application/x")]
    [InlineData("/other", "|/other")]
    public async Task A_fixed_prefix_is_moved_to_the_path_base_as_UsePathBase_does(string uri, string expected)
    {
        Assert.Equal(expected, await SplitAsync("/app", GatewayProtocol.FastCgi, TestRequest.Get(uri) with { Set = [("SCRIPT_NAME", "/x")] }));
    }

    [Fact]
    public async Task A_script_name_equal_to_the_whole_path_is_never_a_base()
    {
        Assert.Equal("|/app/items", await SplitAsync("ScriptName", GatewayProtocol.FastCgi, TestRequest.Get("/app/items") with { Set = [("SCRIPT_NAME", "/app/items")] }));
    }

    [Fact]
    public async Task The_gateway_path_is_decoded_by_the_rule_aspnetcore_gets_too()
    {
        Assert.Equal("|/a%2Fb/café/z", await SplitAsync(null, GatewayProtocol.Uwsgi, TestRequest.Get("/a%2Fb/caf%C3%A9/./x%20y/../z?q=%2F")));
    }

    [Fact]
    public async Task Without_request_uri_the_path_is_script_name_and_path_info()
    {
        var request = TestRequest.Get("/ignored") with { Set = [("REQUEST_URI", null), ("SCRIPT_NAME", "/cgi-bin/app.fcgi"), ("PATH_INFO", "/status/201")] };

        Assert.Equal("/cgi-bin/app.fcgi|/status/201", await SplitAsync(null, GatewayProtocol.FastCgi, request));
    }

    private static async Task<string> SplitAsync(string? option, GatewayProtocol gateway, TestRequest request)
    {
        await using var server = await TestServer.StartAsync(
            new DelegateApplication(context => context.Response.Body.WriteAsync(System.Text.Encoding.UTF8.GetBytes(context.Request.PathBase + "|" + context.Request.Path)).AsTask()),
            configure: (o, _) => o.PathBase = option ?? o.PathBase);

        var response = await server.SendAsync(gateway, request);

        Assert.Equal(200, response.StatusCode);
        return System.Text.Encoding.UTF8.GetString(response.Body);
    }
}
