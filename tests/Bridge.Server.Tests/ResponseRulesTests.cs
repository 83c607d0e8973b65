using System.Net.Sockets;
using System.Text;
using Bridge.Server.Gateway;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>What the server refuses, fixes or cuts in an application's response, so nginx never sees a broken one.</summary>
public sealed class ResponseRulesTests
{
    public static TheoryData<GatewayProtocol> Gateways => [GatewayProtocol.Uwsgi, GatewayProtocol.FastCgi];

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task A_header_value_with_cr_lf_is_answered_500_and_logged_never_as_a_split_response(GatewayProtocol gateway)
    {
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            context.Response.Headers.Add("X-Bad", "a\r\nInjected: yes");
            await context.Response.Body.WriteAsync("body"u8.ToArray());
        }));

        var response = await server.GetAsync(gateway, "/");

        Assert.Equal(500, response.StatusCode);
        Assert.DoesNotContain("Injected", response.Head, StringComparison.Ordinal);
        Assert.Null(response.Header("X-Bad"));
        Assert.Empty(response.Body);
        Assert.Contains("X-Bad", (await server.Logs.WaitForAsync(302)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task An_informational_status_is_answered_500(GatewayProtocol gateway)
    {
        await using var server = await TestServer.StartAsync(new DelegateApplication(context =>
        {
            context.Response.StatusCode = 100;
            return Task.CompletedTask;
        }));

        var response = await server.GetAsync(gateway, "/");

        Assert.Equal(500, response.StatusCode);
        await server.Logs.WaitForAsync(303);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task A_transfer_encoding_header_is_removed_and_logged(GatewayProtocol gateway)
    {
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            context.Response.Headers.Add("Transfer-Encoding", "chunked");
            await context.Response.Body.WriteAsync("hello"u8.ToArray());
        }));

        var response = await server.GetAsync(gateway, "/");

        Assert.Equal(200, response.StatusCode);
        Assert.Null(response.Header("Transfer-Encoding"));
        Assert.Equal("hello", response.BodyText);
        await server.Logs.WaitForAsync(304);
    }

    [Fact]
    public async Task A_uwsgi_app_that_throws_after_flushing_part_of_its_body_leaves_the_content_length_unmet()
    {
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            context.Response.ContentLength = 1000;
            await context.Response.Body.WriteAsync(new byte[100]);
            await context.Response.Body.FlushAsync();
            throw new InvalidOperationException("late failure");
        }));

        var raw = await Wire.ExchangeAsync(server.EndPoint, UwsgiWire.Encode(TestRequest.Get("/")));

        AssertCutUwsgiResponse(raw, 1000);
        await server.Logs.WaitForAsync(301);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_fastcgi_app_that_throws_after_flushing_part_of_its_body_gets_no_end_request(bool declaresLength)
    {
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            if (declaresLength)
            {
                context.Response.ContentLength = 1000;
            }

            await context.Response.Body.WriteAsync(new byte[100]);
            await context.Response.Body.FlushAsync();
            throw new InvalidOperationException("late failure");
        }));
        using var socket = await server.ConnectAsync();
        await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get("/"), keepConnection: true));

        var records = await ReadAllRecordsAsync(socket);

        AssertCutFastCgiResponse(records);
        await server.Logs.WaitForAsync(301);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task An_app_that_completes_short_of_its_content_length_before_starting_is_answered_500(GatewayProtocol gateway)
    {
        // WriteAsync flushes, so write without flushing: GetSpan/Advance.
        await using var unflushed = await TestServer.StartAsync(new DelegateApplication(context =>
        {
            context.Response.ContentLength = 10;
            "short"u8.CopyTo(context.Response.Body.GetSpan(5));
            context.Response.Body.Advance(5);
            return Task.CompletedTask;
        }));

        var response = await unflushed.GetAsync(gateway, "/");

        Assert.Equal(500, response.StatusCode);
        Assert.Equal("0", response.Header("Content-Length"));
        Assert.Empty(response.Body);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task An_app_that_completes_short_of_its_content_length_after_starting_is_cut(GatewayProtocol gateway)
    {
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            context.Response.ContentLength = 10;
            await context.Response.Body.WriteAsync("short"u8.ToArray());
            await context.Response.Body.FlushAsync();
        }));

        if (gateway == GatewayProtocol.Uwsgi)
        {
            AssertCutUwsgiResponse(await Wire.ExchangeAsync(server.EndPoint, UwsgiWire.Encode(TestRequest.Get("/"))), 10);
        }
        else
        {
            using var socket = await server.ConnectAsync();
            await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get("/"), keepConnection: true));
            AssertCutFastCgiResponse(await ReadAllRecordsAsync(socket));
        }

        await server.Logs.WaitForAsync(306);
    }

    [Fact]
    public async Task An_unread_uwsgi_body_is_drained_before_the_connection_closes()
    {
        await using var server = await TestServer.StartEchoAsync();
        var request = UwsgiWire.Encode(new TestRequest("POST", "/status/200") { Body = new byte[1024 * 1024] });
        using var socket = await server.ConnectAsync();

        var sending = Wire.SendAsync(socket, request);
        var raw = await Wire.ReadToEndAsync(socket);
        await sending; // no EPIPE, no reset: the server read every byte

        var response = WireResponse.ParseHttp(raw);
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("0", response.Header("Content-Length"));
    }

    [Fact]
    public async Task An_unread_uwsgi_body_to_hello_is_drained_before_the_connection_closes()
    {
        await using var server = await TestServer.StartEchoAsync();
        var request = UwsgiWire.Encode(new TestRequest("POST", "/hello") { Body = new byte[1024 * 1024] });
        using var socket = await server.ConnectAsync();

        var sending = Wire.SendAsync(socket, request);
        var raw = await Wire.ReadToEndAsync(socket);
        await sending;

        Assert.StartsWith("HTTP/1.1 ", Encoding.ASCII.GetString(raw), StringComparison.Ordinal); // Echo answers POST /hello with 405
    }

    [Fact]
    public async Task An_unread_fastcgi_body_is_drained_before_end_request()
    {
        await using var server = await TestServer.StartEchoAsync();
        var request = FastCgiWire.Encode(new TestRequest("POST", "/status/200") { Body = new byte[1024 * 1024] }, keepConnection: true);
        using var socket = await server.ConnectAsync();

        var sending = Wire.SendAsync(socket, request);
        var exchange = await new FastCgiReader(socket).ReadUntilEndAsync(1);
        await sending;

        exchange.AssertWellFramed();
        Assert.Equal(200, exchange.Response().StatusCode);
        await Wire.AssertQuietAsync(socket, TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task A_response_head_over_4_kib_is_sent_whole_and_logged_once()
    {
        var big = new string('v', 5000);
        await using var server = await TestServer.StartAsync(new DelegateApplication(context =>
        {
            context.Response.Headers.Add("X-Big", big);
            return Task.CompletedTask;
        }));

        var first = await server.GetAsync(GatewayProtocol.Uwsgi, "/");
        var second = await server.GetAsync(GatewayProtocol.FastCgi, "/");

        Assert.Equal(big, first.Header("X-Big"));
        Assert.Equal(big, second.Header("X-Big"));
        Assert.Equal(1, server.Logs.Count(305));
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task An_app_that_throws_after_writing_without_flushing_is_answered_500_without_its_bytes(GatewayProtocol gateway)
    {
        await using var server = await TestServer.StartAsync(new DelegateApplication(context =>
        {
            context.Response.ContentLength = 7;
            "partial"u8.CopyTo(context.Response.Body.GetSpan(7));
            context.Response.Body.Advance(7);
            throw new InvalidOperationException("failed before flushing");
        }));

        var response = await server.GetAsync(gateway, "/");

        Assert.Equal(500, response.StatusCode);
        Assert.Equal("0", response.Header("Content-Length"));
        Assert.Empty(response.Body);
    }

    // A cut response: nothing at all (the connection was aborted before the flushed bytes left), or a head whose
    // Content-Length the body does not reach. Either way nginx cannot take it for a whole response.
    private static void AssertCutUwsgiResponse(byte[] raw, int declared)
    {
        if (raw.Length == 0)
        {
            return;
        }

        var response = WireResponse.ParseHttp(raw);
        Assert.Equal(declared.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Header("Content-Length"));
        Assert.True(response.Body.Length < declared, "The body reached its Content-Length.");
    }

    // No END_REQUEST and no empty STDOUT: nginx sees the connection close mid-response.
    private static void AssertCutFastCgiResponse(List<FastCgiRecord> records)
    {
        Assert.DoesNotContain(records, r => r.Type == FastCgiWire.EndRequest);
        Assert.DoesNotContain(records, r => r.Type == FastCgiWire.Stdout && r.Content.Length == 0);
    }

    private static async Task<List<FastCgiRecord>> ReadAllRecordsAsync(Socket socket)
    {
        var reader = new FastCgiReader(socket);
        var records = new List<FastCgiRecord>();
        while (await reader.ReadAsync() is { } record)
        {
            records.Add(record);
        }

        return records;
    }
}
