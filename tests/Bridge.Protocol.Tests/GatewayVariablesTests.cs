using System.Text;
using Bridge.Protocol.Gateway;
using Bridge.Testing;

namespace Bridge.Protocol.Tests;

public sealed class GatewayVariablesTests
{
    private static GatewayVariables With(params (string Name, string Value)[] pairs)
    {
        var variables = new GatewayVariables();
        foreach (var (name, value) in pairs)
        {
            variables.Add(Encoding.Latin1.GetBytes(name), Encoding.Latin1.GetBytes(value));
        }

        return variables;
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    [InlineData("HEAD")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    [InlineData("OPTIONS")]
    public void Returns_a_shared_string_for_a_common_request_method(string method)
    {
        using var first = With(("REQUEST_METHOD", method));
        using var second = With(("REQUEST_METHOD", method));

        Assert.Equal(method, first.RequestMethod);
        Assert.Same(first.RequestMethod, second.RequestMethod);
    }

    [Fact]
    public void Decodes_an_uncommon_method_and_the_first_of_duplicate_well_known_variables()
    {
        using var variables = With(("REQUEST_METHOD", "PROPFIND"), ("REQUEST_METHOD", "GET"), ("SERVER_PROTOCOL", "HTTP/1.1"));

        Assert.Equal("PROPFIND", variables.RequestMethod);
        Assert.Same("HTTP/1.1", variables.ServerProtocol);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("0", 0L)]
    [InlineData("007", 7L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    public void Reads_content_length_with_empty_or_absent_meaning_none(string? value, long? expected)
    {
        using var variables = value is null ? With(("REQUEST_METHOD", "GET")) : With(("REQUEST_METHOD", "GET"), ("CONTENT_LENGTH", value));

        variables.ValidateRequest();

        Assert.Equal(expected, variables.ContentLength);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-5")]
    [InlineData("+5")]
    [InlineData("1e3")]
    [InlineData(" 5")]
    [InlineData("5 ")]
    [InlineData("0x10")]
    [InlineData("9223372036854775808")]
    [InlineData("99999999999999999999")]
    [InlineData("\u0665")] // an Arabic-Indic digit is not an ASCII digit
    public void Rejects_a_content_length_that_is_not_plain_decimal_digits(string value)
    {
        using var variables = With(("REQUEST_METHOD", "GET"), ("CONTENT_LENGTH", value));

        var error = Assert.Throws<GatewayProtocolException>(variables.ValidateRequest);

        Assert.Equal(ProtocolError.InvalidContentLength, error.Reason);
    }

    [Theory]
    [InlineData("5", "5", null)]
    [InlineData("", "", null)]
    [InlineData("5", "6", ProtocolError.InvalidContentLength)]
    [InlineData("5", "", ProtocolError.InvalidContentLength)]
    [InlineData("", "5", ProtocolError.InvalidContentLength)]
    [InlineData("5", "x", ProtocolError.InvalidContentLength)]
    public void Accepts_a_repeated_content_length_only_when_it_agrees(string first, string second, ProtocolError? expected)
    {
        using var variables = With(("CONTENT_LENGTH", first), ("REQUEST_METHOD", "POST"), ("CONTENT_LENGTH", second));

        var error = Record.Exception(variables.ValidateRequest);

        Assert.Equal(expected, (error as GatewayProtocolException)?.Reason);
    }

    [Fact]
    public void Reports_a_missing_method_before_a_bad_content_length()
    {
        using var variables = With(("CONTENT_LENGTH", "abc"), ("REQUEST_METHOD", ""));

        var error = Assert.Throws<GatewayProtocolException>(variables.ValidateRequest);

        Assert.Equal(ProtocolError.MissingRequestMethod, error.Reason);
    }

    [Theory]
    [InlineData("https", null, true)]
    [InlineData("HTTPS", null, true)]
    [InlineData("http", "on", false)] // REQUEST_SCHEME wins
    [InlineData(null, "on", true)]
    [InlineData(null, "ON", true)]
    [InlineData(null, "1", true)]
    [InlineData(null, "true", true)]
    [InlineData(null, "TRUE", true)]
    [InlineData(null, "off", false)]
    [InlineData(null, "0", false)]
    [InlineData(null, "", false)]
    [InlineData(null, null, false)]
    [InlineData("", "on", true)] // an empty scheme says nothing
    public void Tells_https_from_request_scheme_first_then_the_https_variable(string? scheme, string? https, bool expected)
    {
        var pairs = new List<(string, string)> { ("REQUEST_METHOD", "GET") };
        if (scheme is not null)
        {
            pairs.Add(("REQUEST_SCHEME", scheme));
        }

        if (https is not null)
        {
            pairs.Add(("HTTPS", https));
        }

        using var variables = With([.. pairs]);

        Assert.Equal(expected, variables.IsHttps);
        Assert.Equal(expected ? "https" : "http", variables.Scheme);
    }

    [Theory]
    [InlineData("80", 80)]
    [InlineData("0", 0)]
    [InlineData("65535", 65535)]
    [InlineData("65536", null)]
    [InlineData("", null)]
    [InlineData("8o", null)]
    [InlineData("-1", null)]
    [InlineData("000080", null)] // more than 5 characters
    public void Parses_server_and_remote_port_or_returns_null(string value, int? expected)
    {
        using var variables = With(("SERVER_PORT", value), ("REMOTE_PORT", value));

        Assert.Equal(expected, variables.ServerPort);
        Assert.Equal(expected, variables.RemotePort);
    }

    [Fact]
    public void Returns_empty_spans_and_nulls_for_absent_variables()
    {
        using var variables = new GatewayVariables();

        Assert.True(variables.RequestUri.IsEmpty);
        Assert.True(variables.QueryString.IsEmpty);
        Assert.True(variables.Host.IsEmpty);
        Assert.Null(variables.ServerPort);
        Assert.Null(variables.ContentLength);
        Assert.False(variables.TryGetValue("X"u8, out _));
        Assert.Equal(-1, variables.IndexOf("X"u8));
    }

    [Fact]
    public void Gives_typed_access_to_the_well_known_variables()
    {
        using var variables = With(
            ("REQUEST_URI", "/a?b=1"), ("QUERY_STRING", "b=1"), ("CONTENT_TYPE", "text/plain"), ("SERVER_NAME", "example"),
            ("SERVER_ADDR", "127.0.0.1"), ("REMOTE_ADDR", "unix:"), ("SCRIPT_NAME", "/app"), ("PATH_INFO", "/x y"),
            ("DOCUMENT_ROOT", "/srv"), ("HTTP_HOST", "example.org"));

        Assert.Equal("/a?b=1"u8.ToArray(), variables.RequestUri.ToArray());
        Assert.Equal("b=1"u8.ToArray(), variables.QueryString.ToArray());
        Assert.Equal("text/plain"u8.ToArray(), variables.ContentType.ToArray());
        Assert.Equal("example"u8.ToArray(), variables.ServerName.ToArray());
        Assert.Equal("127.0.0.1"u8.ToArray(), variables.ServerAddr.ToArray());
        Assert.Equal("unix:"u8.ToArray(), variables.RemoteAddr.ToArray());
        Assert.Equal("/app"u8.ToArray(), variables.ScriptName.ToArray());
        Assert.Equal("/x y"u8.ToArray(), variables.PathInfo.ToArray());
        Assert.Equal("/srv"u8.ToArray(), variables.DocumentRoot.ToArray());
        Assert.Equal("example.org"u8.ToArray(), variables.Host.ToArray());
        Assert.True(variables.TryGetValue("PATH_INFO"u8, out var pathInfo));
        Assert.Equal("/x y"u8.ToArray(), pathInfo.ToArray());
        Assert.Equal(7, variables.IndexOf("PATH_INFO"u8));
    }

    [Fact]
    public void Enumerates_headers_in_order_with_content_type_and_length_once_and_duplicates_kept()
    {
        using var variables = With(
            ("REQUEST_METHOD", "POST"), ("CONTENT_TYPE", "text/plain"), ("CONTENT_LENGTH", "5"), ("HTTP_HOST", "h"),
            ("HTTP_CONTENT_TYPE", "text/plain"), ("HTTP_CONTENT_LENGTH", "5"), ("HTTP_X_FOO_BAR", "1"), ("HTTP_COOKIE", "a=1"),
            ("HTTP_COOKIE", "b=2"), ("HTTP_TE", "trailers"), ("SERVER_NAME", "x"), ("HTTP_X_LOWER", "v"));

        var headers = new List<string>();
        foreach (var index in variables.Headers)
        {
            headers.Add($"{variables.GetHeaderName(index)}: {variables.GetValueString(index)}");
        }

        Assert.Equal(["Content-Type: text/plain", "Content-Length: 5", "Host: h", "X-Foo-Bar: 1", "Cookie: a=1", "Cookie: b=2", "TE: trailers", "X-Lower: v"], headers);
    }

    [Fact]
    public void Leaves_out_empty_content_type_and_length_from_the_headers()
    {
        using var variables = With(("REQUEST_METHOD", "GET"), ("CONTENT_TYPE", ""), ("CONTENT_LENGTH", ""), ("HTTP_ACCEPT", "*/*"));

        var names = new List<string>();
        foreach (var index in variables.Headers)
        {
            names.Add(variables.GetHeaderName(index));
        }

        Assert.Equal(["Accept"], names);
    }

    [Fact]
    public void Converts_a_long_unusual_header_variable_name()
    {
        var name = "HTTP_" + string.Join('_', Enumerable.Repeat("ABC", 100));
        using var variables = With((name, "v"));

        Assert.Equal(string.Join('-', Enumerable.Repeat("Abc", 100)), variables.GetHeaderName(0));
    }

    [Fact]
    public void Keeps_bytes_as_latin1_without_requiring_utf8()
    {
        using var variables = new GatewayVariables();
        variables.Add([0x63, 0x61, 0x66, 0xE9], [0xFF, 0x00, 0x80]);

        Assert.Equal("caf\u00e9", variables.GetNameString(0));
        Assert.Equal("\u00ff\u0000\u0080", variables.GetValueString(0));
        Assert.Same(string.Empty, With(("A", "")).GetValueString(0));
    }

    [Fact]
    public void Forgets_everything_on_clear_and_is_reused_for_the_next_request()
    {
        using var variables = With(("REQUEST_METHOD", "POST"), ("CONTENT_LENGTH", "x"), ("HTTPS", "on"));

        variables.Clear();
        variables.Add("REQUEST_METHOD"u8, "GET"u8);

        Assert.Equal(1, variables.Count);
        Assert.Equal("GET", variables.RequestMethod);
        Assert.Null(variables.ContentLength);
        Assert.False(variables.IsHttps);
        variables.ValidateRequest(); // the bad CONTENT_LENGTH of the previous request is forgotten
    }

    [Fact]
    public void Grows_past_its_initial_buffers_for_a_65535_byte_block_and_1000_variables()
    {
        using var variables = new GatewayVariables();
        var big = new byte[65535 - 2];
        new Random(1).NextBytes(big);
        variables.Add("B"u8, big);
        for (var i = 0; i < 1000; i++)
        {
            variables.Add(Encoding.ASCII.GetBytes($"V{i}"), Encoding.ASCII.GetBytes($"value {i}"));
        }

        Assert.Equal(1001, variables.Count);
        Assert.Equal(big, variables.GetValue(0).ToArray());
        Assert.Equal("V999", variables.GetNameString(1000));
        Assert.Equal("value 999", variables.GetValueString(1000));
        Assert.Equal("value 0", variables.GetValueString(1));
    }

    [Fact]
    public void Rejects_an_index_outside_the_variables()
    {
        using var variables = With(("A", "1"));

        Assert.Throws<ArgumentOutOfRangeException>(() => variables.GetName(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => variables.GetValue(-1));
    }

    [Fact]
    public void Copies_the_bytes_it_is_given()
    {
        using var variables = new GatewayVariables();
        var name = "NAME"u8.ToArray();
        var value = "value"u8.ToArray();

        variables.Add(name, value);
        Array.Fill(name, (byte)0);
        Array.Fill(value, (byte)0);

        Assert.Equal("NAME=value", RawVariable.CopyAll(variables)[0].ToString());
    }
}
