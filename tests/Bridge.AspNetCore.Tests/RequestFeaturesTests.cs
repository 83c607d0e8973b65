using System.Globalization;
using System.Text;
using Bridge.AspNetCore.Tests.Infrastructure;
using Bridge.Server.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Bridge.AspNetCore.Tests;

/// <summary>What the app sees of the request: the features built from nginx's variables.</summary>
public sealed class RequestFeaturesTests(RequestFeaturesTests.Fixture fixture) : IClassFixture<RequestFeaturesTests.Fixture>
{
    public sealed class Fixture : AppFixture
    {
        protected override void Map(WebApplication app) => app.Run(DumpAsync);

        // One "Key=Value" line per fact; "H:Name=Value" per request header value.
        private static async Task DumpAsync(HttpContext context)
        {
            var request = context.Request;
            var connection = context.Connection;
            var gateway = context.Features.Get<IGatewayVariablesFeature>();
            var identifier = context.Features.GetRequiredFeature<IHttpRequestIdentifierFeature>();
            var firstTrace = context.TraceIdentifier;
            context.TraceIdentifier = "custom-trace";
            var text = new StringBuilder();
            void Line(string key, object? value) => text.Append(key).Append('=').Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append('\n');
            Line("Method", request.Method);
            Line("Path", request.Path.Value);
            Line("PathBase", request.PathBase.Value);
            Line("QueryString", request.QueryString.Value);
            Line("RawTarget", context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget);
            Line("Protocol", request.Protocol);
            Line("IsHttp2", HttpProtocol.IsHttp2(request.Protocol));
            Line("Scheme", request.Scheme);
            Line("IsHttps", request.IsHttps);
            Line("Host", request.Host.Value);
            Line("ContentType", request.ContentType);
            Line("ContentLength", request.ContentLength);
            Line("RemoteIp", connection.RemoteIpAddress);
            Line("RemotePort", connection.RemotePort);
            Line("LocalIp", connection.LocalIpAddress);
            Line("LocalPort", connection.LocalPort);
            Line("CanHaveBody", context.Features.GetRequiredFeature<IHttpRequestBodyDetectionFeature>().CanHaveBody);
            Line("FirstTrace", firstTrace);
            Line("Trace", identifier.TraceIdentifier);
            Line("Gateway", gateway?.Gateway);
            Line("Var:SERVER_NAME", gateway is null ? null : Encoding.Latin1.GetString(gateway.Variables.ServerName));
            Line("Var:Count", gateway?.Variables.Count);
            foreach (var (name, values) in request.Headers)
            {
                foreach (var value in values)
                {
                    Line("H:" + name, value);
                }
            }

            await context.Response.WriteAsync(text.ToString());
        }
    }

    private sealed class Dump(string text)
    {
        private readonly List<(string Key, string Value)> _lines = [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (l[..l.IndexOf('=', StringComparison.Ordinal)], l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]))];

        public string this[string key] => _lines.Single(l => l.Key == key).Value;

        public IReadOnlyList<string> Header(string name) => [.. _lines.Where(l => string.Equals(l.Key, "H:" + name, StringComparison.OrdinalIgnoreCase)).Select(l => l.Value)];
    }

    private async Task<Dump> SendAsync(Front front, TestRequest request)
    {
        var response = await fixture.App.SendAsync(front, request);
        Assert.True(response.StatusCode == 200, $"{response.StatusCode}; logged:\n{fixture.App.Logs.Describe()}");
        return new Dump(response.BodyText);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task Method_path_query_and_raw_target_come_from_the_variables(Front front)
    {
        var dump = await SendAsync(front, new TestRequest("PATCH", "/items/42?x=1&y=%20z"));

        Assert.Equal("PATCH", dump["Method"]);
        Assert.Equal("/items/42", dump["Path"]);
        Assert.Equal("", dump["PathBase"]);
        Assert.Equal("?x=1&y=%20z", dump["QueryString"]);
        Assert.Equal("/items/42?x=1&y=%20z", dump["RawTarget"]);
    }

    [Fact]
    public async Task An_empty_query_string_is_an_empty_QueryString_without_a_question_mark()
    {
        var dump = await SendAsync(Front.Uwsgi, TestRequest.Get("/plain"));

        Assert.Equal("", dump["QueryString"]);
        Assert.Equal("/plain", dump["RawTarget"]);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task Path_is_percent_decoded_like_Kestrel_keeping_an_encoded_slash(Front front)
    {
        var dump = await SendAsync(front, TestRequest.Get("/a%2Fb/caf%C3%A9/x%20y?q=%2F"));

        Assert.Equal("/a%2Fb/café/x y", dump["Path"]);
        Assert.Equal("?q=%2F", dump["QueryString"]);
        Assert.Equal("/a%2Fb/caf%C3%A9/x%20y?q=%2F", dump["RawTarget"]);
    }

    [Theory]
    [InlineData("/a/./b/../c", "/a/c")]
    [InlineData("/a/b/..", "/a/")]
    [InlineData("/../../etc/passwd", "/etc/passwd")]
    [InlineData("/a/%2E%2E/b", "/b")]
    public async Task Dot_segments_are_removed_from_Path_like_Kestrel(string uri, string expected)
    {
        var dump = await SendAsync(Front.Uwsgi, TestRequest.Get(uri));

        Assert.Equal(expected, dump["Path"]);
        Assert.Equal(uri, dump["RawTarget"]);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task PathBase_is_SCRIPT_NAME_when_it_is_a_proper_prefix_of_the_path(Front front)
    {
        var dump = await SendAsync(front, TestRequest.Get("/app/items/7?x=1") with { Extra = [("SCRIPT_NAME", "/app")] });

        Assert.Equal("/app", dump["PathBase"]);
        Assert.Equal("/items/7", dump["Path"]);
        Assert.Equal("?x=1", dump["QueryString"]);
    }

    [Fact]
    public async Task PathBase_is_empty_when_SCRIPT_NAME_is_the_whole_path_as_in_nginx_fastcgi_params()
    {
        var dump = await SendAsync(Front.FastCgi, TestRequest.Get("/app/items?x=1") with { Extra = [("SCRIPT_NAME", "/app/items")] });

        Assert.Equal("", dump["PathBase"]);
        Assert.Equal("/app/items", dump["Path"]);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task Lighttpd_mounted_at_the_root_gives_the_whole_path_though_its_SCRIPT_NAME_is_the_first_segment(Front front)
    {
        // lighttpd 1.4.69, fastcgi.server = ( "/" => ( ... "check-local" => "disable" ) ), GET /status/201.
        var request = TestRequest.Get("/status/201") with { Set = [("SCRIPT_NAME", "/status"), ("PATH_INFO", "/201"), ("SERVER_SOFTWARE", "lighttpd/1.4.69")] };

        var dump = await SendAsync(front, request);

        Assert.Equal("", dump["PathBase"]);
        Assert.Equal("/status/201", dump["Path"]);
    }

    [Fact]
    public async Task PathBase_is_empty_when_SCRIPT_NAME_only_shares_a_prefix_within_a_segment()
    {
        var dump = await SendAsync(Front.Uwsgi, TestRequest.Get("/application/x") with { Extra = [("SCRIPT_NAME", "/app")] });

        Assert.Equal("", dump["PathBase"]);
        Assert.Equal("/application/x", dump["Path"]);
    }

    [Theory]
    [InlineData("HTTP/1.1", "HTTP/1.1", false)]
    [InlineData("HTTP/1.0", "HTTP/1.0", false)]
    [InlineData("HTTP/2.0", "HTTP/2", true)]
    public async Task Protocol_is_reported_as_ASP_NET_Core_spells_it(string serverProtocol, string expected, bool isHttp2)
    {
        var dump = await SendAsync(Front.Uwsgi, TestRequest.Get("/") with { Set = [("SERVER_PROTOCOL", serverProtocol)] });

        Assert.Equal(expected, dump["Protocol"]);
        Assert.Equal(isHttp2.ToString(), dump["IsHttp2"]);
    }

    [Theory]
    [InlineData(null, "on", "https")]
    [InlineData("https", null, "https")]
    [InlineData("http", null, "http")]
    [InlineData(null, null, "http")]
    public async Task Scheme_is_https_when_HTTPS_is_on_or_REQUEST_SCHEME_is_https(string? requestScheme, string? https, string expected)
    {
        var request = TestRequest.Get("/") with { Set = [("REQUEST_SCHEME", requestScheme), ("HTTPS", https)] };

        var dump = await SendAsync(Front.FastCgi, request);

        Assert.Equal(expected, dump["Scheme"]);
        Assert.Equal((expected == "https").ToString(), dump["IsHttps"]);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task Request_headers_keep_repeated_lines_as_separate_values(Front front)
    {
        var request = TestRequest.Get("/")
            .WithHeader("X-Dup", "one")
            .WithHeader("Accept", "text/html")
            .WithHeader("X-Dup", "two");

        var dump = await SendAsync(front, request);

        Assert.Equal(["one", "two"], dump.Header("X-Dup"));
        Assert.Equal(["text/html"], dump.Header("Accept"));
        Assert.Equal("example.test", dump["Host"]);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task Content_type_and_length_come_from_CONTENT_variables_and_are_not_doubled_by_their_HTTP_copies(Front front)
    {
        var request = TestRequest.Post("/", "hello"u8.ToArray(), "text/plain; charset=utf-8") with
        {
            Extra = [("HTTP_CONTENT_TYPE", "text/plain; charset=utf-8"), ("HTTP_CONTENT_LENGTH", "5")],
        };

        var dump = await SendAsync(front, request);

        Assert.Equal("text/plain; charset=utf-8", dump["ContentType"]);
        Assert.Equal("5", dump["ContentLength"]);
        Assert.Equal(["text/plain; charset=utf-8"], dump.Header("Content-Type"));
        Assert.Equal(["5"], dump.Header("Content-Length"));
    }

    [Fact]
    public async Task A_GET_has_no_Content_Type_or_Content_Length_header()
    {
        var dump = await SendAsync(Front.Uwsgi, TestRequest.Get("/"));

        Assert.Empty(dump.Header("Content-Type"));
        Assert.Empty(dump.Header("Content-Length"));
        Assert.Equal("", dump["ContentLength"]);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task Connection_addresses_are_the_client_and_server_addresses_nginx_saw(Front front)
    {
        var dump = await SendAsync(front, TestRequest.Get("/"));

        Assert.Equal("192.0.2.10", dump["RemoteIp"]);
        Assert.Equal("51234", dump["RemotePort"]);
        Assert.Equal("198.51.100.7", dump["LocalIp"]);
        Assert.Equal("8080", dump["LocalPort"]);
    }

    [Fact]
    public async Task IPv6_client_addresses_are_parsed()
    {
        var dump = await SendAsync(Front.Uwsgi, TestRequest.Get("/") with { Set = [("REMOTE_ADDR", "2001:db8::1"), ("SERVER_ADDR", "::1")] });

        Assert.Equal("2001:db8::1", dump["RemoteIp"]);
        Assert.Equal("::1", dump["LocalIp"]);
    }

    [Theory]
    [InlineData(Front.Uwsgi, nameof(GatewayProtocol.Uwsgi))]
    [InlineData(Front.FastCgi, nameof(GatewayProtocol.FastCgi))]
    public async Task The_gateway_variables_feature_exposes_the_variables_and_the_protocol(Front front, string protocol)
    {
        var request = TestRequest.Get("/") with { Extra = [("CUSTOM_PARAM", "x")] };

        var dump = await SendAsync(front, request);

        Assert.Equal(protocol, dump["Gateway"]);
        Assert.Equal("example.test", dump["Var:SERVER_NAME"]);
        Assert.Equal(request.Variables().Count.ToString(CultureInfo.InvariantCulture), dump["Var:Count"]);
    }

    [Fact]
    public async Task TraceIdentifier_is_not_empty_and_can_be_set()
    {
        var dump = await SendAsync(Front.Uwsgi, TestRequest.Get("/"));

        Assert.False(string.IsNullOrWhiteSpace(dump["FirstTrace"]));
        Assert.Equal("custom-trace", dump["Trace"]);
    }

    [Fact]
    public async Task TraceIdentifiers_differ_between_requests()
    {
        var first = await SendAsync(Front.Uwsgi, TestRequest.Get("/"));
        var second = await SendAsync(Front.Uwsgi, TestRequest.Get("/"));

        Assert.NotEqual(first["FirstTrace"], second["FirstTrace"]);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task CanHaveBody_is_false_for_a_GET_with_an_empty_CONTENT_LENGTH(Front front)
    {
        var dump = await SendAsync(front, TestRequest.Get("/") with { ContentLength = "" });

        Assert.Equal("False", dump["CanHaveBody"]);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task CanHaveBody_is_true_for_a_request_with_a_body(Front front)
    {
        var dump = await SendAsync(front, TestRequest.Post("/", "abc"u8.ToArray()));

        Assert.Equal("True", dump["CanHaveBody"]);
    }
}
