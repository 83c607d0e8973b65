using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bridge.Server.Gateway;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>
/// uwsgi bodies with their chunk framing left on, as uWSGI's HTTP router forwards them (HTTP_TRANSFER_ENCODING
/// chunked, no CONTENT_LENGTH): de-chunked in place; bad framing is a 400; over the limit is a 413.
/// </summary>
public sealed class UwsgiChunkedBodyTests
{
    private static readonly byte[] HelloWorld = "hello world"u8.ToArray();

    [Fact]
    public async Task A_chunked_body_without_content_length_is_de_chunked_for_the_app()
    {
        await using var server = await TestServer.StartEchoAsync();

        var response = await server.SendAsync(GatewayProtocol.Uwsgi, Chunked("/echo", "6\r\nhello \r\n5;ext=1\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n"));

        Assert.Equal(200, response.StatusCode);
        using var json = JsonDocument.Parse(response.Body);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("contentLength").ValueKind);
        Assert.Equal(HelloWorld.Length, json.RootElement.GetProperty("bodyLength").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(HelloWorld)), json.RootElement.GetProperty("bodySha256").GetString());
    }

    [Fact]
    public async Task A_large_body_in_many_chunks_arrives_whole()
    {
        var body = new byte[300_000];
        Random.Shared.NextBytes(body);
        var framed = new StringBuilder();
        for (var offset = 0; offset < body.Length; offset += 7_777)
        {
            var size = Math.Min(7_777, body.Length - offset);
            framed.Append(size.ToString("x", System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n")
                .Append(Encoding.Latin1.GetString(body, offset, size)).Append("\r\n");
        }

        await using var server = await TestServer.StartEchoAsync();

        var response = await server.SendAsync(GatewayProtocol.Uwsgi, Chunked("/upload", framed.Append("0\r\n\r\n").ToString()));

        Assert.Equal(200, response.StatusCode);
        using var json = JsonDocument.Parse(response.Body);
        Assert.Equal(body.Length, json.RootElement.GetProperty("bodyLength").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), json.RootElement.GetProperty("bodySha256").GetString());
    }

    [Fact]
    public async Task A_body_with_content_length_stays_as_it_is_even_when_transfer_encoding_says_chunked()
    {
        // nginx de-chunks, sends CONTENT_LENGTH, and leaves HTTP_TRANSFER_ENCODING in place.
        await using var server = await TestServer.StartEchoAsync();
        var request = new TestRequest("POST", "/upload") { Body = HelloWorld, Headers = [("Host", "h"), ("Transfer-Encoding", "chunked")] };

        var response = await server.SendAsync(GatewayProtocol.Uwsgi, request);

        Assert.Equal(200, response.StatusCode);
        using var json = JsonDocument.Parse(response.Body);
        Assert.Equal(HelloWorld.Length, json.RootElement.GetProperty("bodyLength").GetInt64());
    }

    [Fact]
    public async Task Bad_chunk_framing_read_by_the_app_is_answered_400_logged_and_the_connection_closed()
    {
        await using var server = await TestServer.StartEchoAsync();

        var response = await server.SendAsync(GatewayProtocol.Uwsgi, Chunked("/upload", "5\r\nhello\r\nzz\r\nworld\r\n0\r\n\r\n"));

        Assert.Equal(400, response.StatusCode);
        Assert.Contains("chunked request body is malformed", (await server.Logs.WaitForAsync(311)).Message, StringComparison.Ordinal);
        Assert.False(server.Logs.Has(301));
    }

    [Fact]
    public async Task Bad_chunk_framing_after_the_app_answered_is_found_by_the_drain_and_logged()
    {
        await using var server = await TestServer.StartEchoAsync();

        var response = await server.SendAsync(GatewayProtocol.Uwsgi, Chunked("/status/202", "5\r\nhello\r\n5\nworld\r\n0\r\n\r\n"));

        Assert.Equal(202, response.StatusCode);
        Assert.Contains("InvalidChunkedBody", (await server.Logs.WaitForAsync(201)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_transfer_coding_other_than_chunked_without_content_length_is_answered_400()
    {
        await using var server = await TestServer.StartEchoAsync();
        var request = new TestRequest("POST", "/upload") { Body = HelloWorld, ContentLength = "", Headers = [("Host", "h"), ("Transfer-Encoding", "gzip")] };

        var response = await server.SendAsync(GatewayProtocol.Uwsgi, request);

        Assert.Equal(400, response.StatusCode);
        Assert.Contains("UnsupportedTransferEncoding", (await server.Logs.WaitForAsync(201)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chunked_body_past_max_request_body_size_is_answered_413_from_the_chunk_size()
    {
        await using var server = await TestServer.StartEchoAsync(configure: (o, _) => o.Limits.MaxRequestBodySize = 1000);

        // The second chunk announces 0x400 bytes more than the limit allows; they never have to arrive.
        var response = await server.SendAsync(GatewayProtocol.Uwsgi, Chunked("/upload", "3e8\r\n" + new string('a', 1000) + "\r\n400\r\n"));

        Assert.Equal(413, response.StatusCode);
        Assert.Contains("413", (await server.Logs.WaitForAsync(311)).Message, StringComparison.Ordinal);
        Assert.False(server.Logs.Has(301));
    }

    [Fact]
    public async Task A_chunked_body_at_max_request_body_size_is_accepted()
    {
        await using var server = await TestServer.StartEchoAsync(configure: (o, _) => o.Limits.MaxRequestBodySize = 1000);

        var response = await server.SendAsync(GatewayProtocol.Uwsgi, Chunked("/upload", "3e8\r\n" + new string('a', 1000) + "\r\n0\r\n\r\n"));

        Assert.Equal(200, response.StatusCode);
    }

    private static TestRequest Chunked(string uri, string framed) => new("POST", uri)
    {
        Body = Encoding.Latin1.GetBytes(framed),
        ContentLength = "",
        Headers = [("Host", "h"), ("Transfer-Encoding", "chunked")],
    };
}
