using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;

namespace Bridge.Integration.Tests.Http;

/// <summary>
/// The requests and assertions of shared/echo-app.md that every front end's route tests make (nginx on this machine,
/// nginx in a container, Apache, lighttpd, uWSGI's router, cgi-fcgi): one copy of what Echo must answer.
/// </summary>
internal static class EchoAnswers
{
    /// <summary>The path the request of <see cref="EchoRequest"/> goes to, percent-encoded as sent.</summary>
    public const string EchoPath = "/echo/a%20b/c";

    /// <summary>The query of the request of <see cref="EchoRequest"/>.</summary>
    public const string EchoQuery = "x=1&y=%20z";

    /// <summary>/headers with two Set-Cookie pairs around another header.</summary>
    public const string HeadersTarget = "/headers?Set-Cookie=a%3D1&X-One=first&Set-Cookie=b%3D2";

    /// <summary>/vars with a query.</summary>
    public const string VarsTarget = "/vars?q=1";

    /// <summary><c>POST EchoPath?EchoQuery</c> with <paramref name="body"/> and the header <c>X-Test: Value One</c>.</summary>
    public static HttpRequestMessage EchoRequest(Uri baseAddress, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, EchoPath + "?" + EchoQuery)) { Content = new ByteArrayContent(body) };
        request.Headers.Add("X-Test", "Value One");
        return request;
    }

    /// <summary>
    /// What every front end passes on of a request like <see cref="EchoRequest"/>'s (POST to <see cref="EchoPath"/>
    /// with <paramref name="query"/>): the request line, the port, the gateway, the X-Test header and the body.
    /// </summary>
    public static void AssertDescribes(JsonElement echo, string query, int serverPort, string gateway, byte[] body)
    {
        Assert.Equal("POST", echo.GetProperty("method").GetString());
        Assert.Equal("/echo/a b/c", echo.GetProperty("path").GetString());
        Assert.Equal(EchoPath + "?" + query, echo.GetProperty("rawTarget").GetString());
        Assert.Equal(query, echo.GetProperty("query").GetString());
        Assert.Equal(serverPort, echo.GetProperty("serverPort").GetInt32());
        Assert.Equal(gateway, echo.GetProperty("gateway").GetString());
        Assert.Equal("Value One", echo.GetProperty("headers").GetProperty("x-test").GetString());
        AssertBody(echo, body);
    }

    /// <summary>
    /// What a front end on this machine passes on of a plain HTTP/1.1 request from a loopback client: the scheme,
    /// the client's address and port, the protocol, the Host header, and the body's length as CONTENT_LENGTH.
    /// </summary>
    public static void AssertFromLoopbackClient(JsonElement echo, long contentLength)
    {
        Assert.Equal("http", echo.GetProperty("scheme").GetString());
        Assert.Equal("127.0.0.1", echo.GetProperty("remoteAddr").GetString());
        Assert.InRange(echo.GetProperty("remotePort").GetInt32(), 1, 65535);
        Assert.Equal("HTTP/1.1", echo.GetProperty("protocol").GetString());
        var headers = echo.GetProperty("headers");
        Assert.True(headers.TryGetProperty("host", out _), "The host header is missing: " + headers);
        Assert.Equal(contentLength, echo.GetProperty("contentLength").GetInt64());
    }

    /// <summary>The body's length and SHA-256 as /echo and /upload report them.</summary>
    public static void AssertBody(JsonElement json, byte[] body)
    {
        Assert.Equal(body.Length, json.GetProperty("bodyLength").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), json.GetProperty("bodySha256").GetString());
    }

    /// <summary>The answer's body, parsed as JSON.</summary>
    public static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));

    /// <summary>The answer of /upload (or /echo) to <paramref name="body"/>: 200, its length and hash.</summary>
    public static async Task AssertUploadAsync(HttpResponseMessage response, byte[] body, CancellationToken cancellationToken)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = await ReadJsonAsync(response, cancellationToken);
        AssertBody(json.RootElement, body);
    }

    /// <summary>The answer of GET /hello: 200, text/plain, Content-Length 12, exactly <c>hello world\n</c>.</summary>
    public static async Task AssertHelloAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(12, response.Content.Headers.ContentLength);
        Assert.Equal("hello world\n"u8.ToArray(), await response.Content.ReadAsByteArrayAsync(cancellationToken));
    }

    /// <summary>The answer of HEAD /hello: 200, text/plain, <paramref name="contentLength"/> (GET's, 12, unless the front end drops it), no body.</summary>
    public static async Task AssertHeadHelloAsync(HttpResponseMessage response, long? contentLength, CancellationToken cancellationToken)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(contentLength, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(cancellationToken));
    }

    /// <summary>The answer of GET /bytes/<paramref name="length"/>: 200, octet-stream, its Content-Length, that many bytes of the pattern.</summary>
    public static async Task AssertBytesAsync(HttpResponseMessage response, int length, CancellationToken cancellationToken)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(length, response.Content.Headers.ContentLength);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        Assert.Equal(length, body.Length);
        Assert.Equal(-1, EchoPattern.FirstMismatch(body, 0));
    }

    /// <summary>
    /// The answer of GET /bytes/<paramref name="length"/> read with <see cref="HttpCompletionOption.ResponseHeadersRead"/>:
    /// 200, its Content-Length, and the pattern's SHA-256, hashed while read (nothing holds the whole body).
    /// </summary>
    public static async Task AssertLargeBytesAsync(HttpResponseMessage response, long length, CancellationToken cancellationToken)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(length, response.Content.Headers.ContentLength);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long received = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            received += read;
        }

        Assert.Equal(length, received);
        Assert.Equal(EchoPattern.Sha256(length), Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>The answer of <see cref="HeadersTarget"/>: 200, both Set-Cookie headers in order, X-One, and <c>ok\n</c>.</summary>
    public static async Task AssertHeadersAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new[] { "a=1", "b=2" }, response.Headers.GetValues("Set-Cookie"));
        Assert.Equal(new[] { "first" }, response.Headers.GetValues("X-One"));
        Assert.Equal("ok\n", await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>The answer of GET <see cref="VarsTarget"/>: 200, REQUEST_METHOD and REQUEST_URI as sent; the rest is the caller's to check.</summary>
    public static async Task<JsonDocument> ReadVarsAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await ReadJsonAsync(response, cancellationToken);
        Assert.Equal("GET", json.RootElement.GetProperty("REQUEST_METHOD").GetString());
        Assert.Equal(VarsTarget, json.RootElement.GetProperty("REQUEST_URI").GetString());
        return json;
    }

    /// <summary>
    /// POST /echo?<paramref name="query"/> with the query as its body, as one of many clients at once: 200, and the
    /// answer is this request's own (its query, its body's length) over <paramref name="gateway"/>.
    /// </summary>
    public static async Task AssertEchoOfQueryAsync(HttpClient client, Uri baseAddress, string query, string gateway, CancellationToken cancellationToken)
    {
        using var content = new StringContent(query);
        using var echo = await client.PostAsync(new Uri(baseAddress, "/echo?" + query), content, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
        using var json = await ReadJsonAsync(echo, cancellationToken);
        Assert.Equal(query, json.RootElement.GetProperty("query").GetString());
        Assert.Equal(query.Length, json.RootElement.GetProperty("bodyLength").GetInt64());
        Assert.Equal(gateway, json.RootElement.GetProperty("gateway").GetString());
    }

    /// <summary>
    /// The answer of GET /stream/chunks/size?delayMs=<paramref name="delay"/>, read to its end: 200 with no
    /// Content-Length, <paramref name="length"/> bytes of the pattern, and the first of them arrived at least
    /// <paramref name="delay"/> before the last (<paramref name="between"/> did not buffer the stream).
    /// </summary>
    public static async Task AssertStreamedAsync(HttpResponseMessage response, Stopwatch clock, int length, TimeSpan delay, string between, CancellationToken cancellationToken)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Content.Headers.ContentLength);
        var timed = await TimedBody.ReadAsync(response, clock, length, cancellationToken);

        Assert.Equal(length, timed.Body.Length);
        Assert.Equal(-1, EchoPattern.FirstMismatch(timed.Body, 0));
        Assert.NotNull(timed.FirstByte);
        var lead = timed.End - timed.FirstByte.Value;
        Assert.True(
            lead >= delay,
            $"The first chunk arrived only {lead.TotalMilliseconds:0} ms before the end (first at {timed.FirstByte.Value.TotalMilliseconds:0} ms, end at {timed.End.TotalMilliseconds:0} ms); {between} buffered the stream.");
    }
}
