using System.Net.Sockets;
using System.Text;
using Bridge.Server.Gateway;
using Bridge.Server.Options;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>Malformed input closes only its own connection; the next request, on a new connection, is served.</summary>
public sealed class MalformedInputTests : IAsyncLifetime
{
    private readonly ProbeApplication _app = new(new Samples.Echo.EchoApplication());
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(_app);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_uwsgi_packet_with_an_unsupported_modifier1_is_closed_without_running_the_app()
    {
        var raw = await Wire.ExchangeAsync(_server.EndPoint, UwsgiWire.Encode(TestRequest.Get("/hello"), modifier1: 2));

        Assert.DoesNotContain("200 OK", Encoding.ASCII.GetString(raw), StringComparison.Ordinal);
        await AssertNextRequestSucceedsAsync();
        Assert.Equal(1, _app.StartedCountSoFar());
    }

    [Fact]
    public async Task A_uwsgi_vars_block_whose_value_runs_past_its_end_is_answered_400_and_closed()
    {
        byte[] block = [.. UwsgiWire.VarsBlock([("REQUEST_METHOD", "GET")]), 4, 0, (byte)'P', (byte)'A', (byte)'T', (byte)'H', 50, 0, (byte)'/'];
        var raw = await Wire.ExchangeAsync(_server.EndPoint, [.. UwsgiWire.Header(0, (ushort)block.Length), .. block]);

        Assert.StartsWith("HTTP/1.1 400", Encoding.ASCII.GetString(raw), StringComparison.Ordinal);
        await AssertNextRequestSucceedsAsync();
        Assert.Equal(1, _app.StartedCountSoFar());
    }

    [Fact]
    public async Task A_truncated_uwsgi_packet_then_eof_is_not_dispatched()
    {
        var whole = UwsgiWire.Encode(TestRequest.Get("/hello"));
        using (var socket = await _server.ConnectAsync())
        {
            await Wire.SendAsync(socket, whole.AsMemory(0, whole.Length - 10));
            socket.Shutdown(SocketShutdown.Send);
            var raw = await Wire.ReadToEndAsync(socket);
            Assert.DoesNotContain("200 OK", Encoding.ASCII.GetString(raw), StringComparison.Ordinal);
        }

        await _server.Logs.WaitForAsync(201);
        await AssertNextRequestSucceedsAsync();
        Assert.Equal(1, _app.StartedCountSoFar());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-5")]
    [InlineData(" 5")]
    [InlineData("1e3")]
    [InlineData("99999999999999999999999")]
    public async Task An_invalid_uwsgi_content_length_is_answered_400(string contentLength)
    {
        var request = new TestRequest("POST", "/upload") { ContentLength = contentLength, Body = "hello"u8.ToArray() };

        var response = await UwsgiWire.SendAsync(_server.EndPoint, request);

        Assert.Equal(400, response.StatusCode);
        Assert.StartsWith("HTTP/1.1 400", response.FirstLine, StringComparison.Ordinal);
        await AssertNextRequestSucceedsAsync();
        Assert.Equal(1, _app.StartedCountSoFar());
    }

    [Fact]
    public async Task A_fastcgi_record_with_a_bad_version_closes_the_connection()
    {
        using (var socket = await _server.ConnectAsync())
        {
            byte[] bad = [.. FastCgiWire.Begin(1, keepConnection: true), .. FastCgiWire.Record(FastCgiWire.Params, 1, [], version: 2)];
            await Wire.SendAsync(socket, bad);
            var reader = new FastCgiReader(socket);
            Assert.Null(await reader.ReadAsync());
        }

        await AssertNextRequestSucceedsAsync(GatewayProtocol.FastCgi);
        Assert.Equal(1, _app.StartedCountSoFar());
    }

    [Fact]
    public async Task A_fastcgi_params_pair_that_runs_past_the_stream_is_answered_400_with_end_request_then_closed()
    {
        using (var socket = await _server.ConnectAsync())
        {
            byte[] pairs = [.. FastCgiWire.NameValuePairs([("REQUEST_METHOD", "GET")]), 11, 60, .. "REQUEST_URI/hello"u8];
            byte[] bad = [.. FastCgiWire.Begin(1, keepConnection: true), .. FastCgiWire.Stream(FastCgiWire.Params, 1, pairs), .. FastCgiWire.Stream(FastCgiWire.Stdin, 1, [])];
            await Wire.SendAsync(socket, bad);
            var reader = new FastCgiReader(socket);
            var exchange = await reader.ReadUntilEndAsync(1);
            Assert.Equal(400, exchange.Response().StatusCode); // as over uwsgi (VarsOverrun)
            Assert.Null(await reader.ReadAsync()); // then closed: the record stream cannot be followed
        }

        await AssertNextRequestSucceedsAsync(GatewayProtocol.FastCgi);
        Assert.Equal(1, _app.StartedCountSoFar());
    }

    [Fact]
    public async Task Plain_http_is_answered_400_naming_uwsgi_pass_and_fastcgi_pass_and_logged()
    {
        var raw = await Wire.ExchangeAsync(_server.EndPoint, "GET / HTTP/1.1\r\nHost: example.test\r\n\r\n"u8.ToArray());

        var response = WireResponse.ParseHttp(raw);
        Assert.Equal(400, response.StatusCode);
        Assert.Contains("uwsgi_pass", response.BodyText, StringComparison.Ordinal);
        Assert.Contains("fastcgi_pass", response.BodyText, StringComparison.Ordinal);
        Assert.Equal(response.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Header("Content-Length"));
        await _server.Logs.WaitForAsync(104);
        await AssertNextRequestSucceedsAsync();
    }

    [Theory]
    [InlineData(ListenerProtocol.Uwsgi, "this socket speaks uwsgi (Bridge)", "uwsgi_pass", "fastcgi_pass")]
    [InlineData(ListenerProtocol.FastCgi, "this socket speaks FastCGI (Bridge)", "fastcgi_pass", "uwsgi_pass")]
    public async Task Plain_http_on_a_single_protocol_listener_names_only_what_it_speaks(ListenerProtocol protocol, string speaks, string directive, string other)
    {
        await using var server = await TestServer.StartEchoAsync(protocol);

        var response = WireResponse.ParseHttp(await Wire.ExchangeAsync(server.EndPoint, "GET / HTTP/1.1\r\nHost: example.test\r\n\r\n"u8.ToArray()));

        Assert.Equal(400, response.StatusCode);
        Assert.Contains(speaks, response.BodyText, StringComparison.Ordinal);
        Assert.Contains(directive, response.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain(other, response.BodyText, StringComparison.Ordinal);
        Assert.Equal(response.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Header("Content-Length"));
    }

    [Fact]
    public async Task A_tls_client_hello_is_closed_and_logged()
    {
        byte[] clientHello = [0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, .. new byte[32]];

        var raw = await Wire.ExchangeAsync(_server.EndPoint, clientHello);

        Assert.Empty(raw);
        await _server.Logs.WaitForAsync(105);
        await AssertNextRequestSucceedsAsync();
    }

    [Fact]
    public async Task Fastcgi_bytes_on_a_uwsgi_only_listener_are_closed_and_logged()
    {
        await using var uwsgiOnly = await TestServer.StartEchoAsync(ListenerProtocol.Uwsgi);

        var raw = await Wire.ExchangeAsync(uwsgiOnly.EndPoint, FastCgiWire.Encode(TestRequest.Get("/hello")));

        Assert.Empty(raw);
        var line = await uwsgiOnly.Logs.WaitForAsync(106);
        Assert.Contains("uwsgi_pass", line.Message, StringComparison.Ordinal);
        Assert.Equal("hello world\n", (await uwsgiOnly.GetAsync(GatewayProtocol.Uwsgi, "/hello")).BodyText);
    }

    [Fact]
    public async Task Uwsgi_bytes_on_a_fastcgi_only_listener_are_closed_and_logged()
    {
        await using var fastCgiOnly = await TestServer.StartEchoAsync(ListenerProtocol.FastCgi);

        var raw = await Wire.ExchangeAsync(fastCgiOnly.EndPoint, UwsgiWire.Encode(TestRequest.Get("/hello")));

        Assert.Empty(raw);
        var line = await fastCgiOnly.Logs.WaitForAsync(106);
        Assert.Contains("fastcgi_pass", line.Message, StringComparison.Ordinal);
        Assert.Equal("hello world\n", (await fastCgiOnly.GetAsync(GatewayProtocol.FastCgi, "/hello")).BodyText);
    }

    private async Task AssertNextRequestSucceedsAsync(GatewayProtocol gateway = GatewayProtocol.Uwsgi)
    {
        var response = await _server.GetAsync(gateway, "/hello");
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("hello world\n", response.BodyText);
    }
}
