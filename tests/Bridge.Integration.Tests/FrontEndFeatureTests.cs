using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;

namespace Bridge.Integration.Tests;

/// <summary>
/// What each front end besides nginx does with chunked uploads, large bodies, streaming, client keep-alive and a
/// client that gives up: the README's front-end table, asserted. Where the front end itself cannot do something
/// (Apache's mod_proxy_uwsgi answers 411 to a chunked body), the test asserts what it does.
/// </summary>
[Collection(OtherFrontEndsDefinition.Name)]
public sealed class FrontEndFeatureTests(OtherFrontEnds fronts)
{
    private const int StreamChunks = 4;
    private const int StreamDelayMs = 300;
    private const int DelayMs = 1500;

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task A_chunked_upload_arrives_whole_except_through_mod_proxy_uwsgi_which_answers_411(OtherFrontEnd front, EchoApp app)
    {
        var body = new byte[100_000];
        Random.Shared.NextBytes(body);
        using var content = new StreamContent(new UnknownLengthStream(body));

        using var response = await fronts.Client.PostAsync(fronts.Url(front, app, "/upload"), content, Timeout);

        if (front == OtherFrontEnd.ApacheUwsgi)
        {
            Assert.Equal(HttpStatusCode.LengthRequired, response.StatusCode); // mod_proxy_uwsgi: REQUEST_CHUNKED_ERROR
            return;
        }

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}\n{fronts.Log(front, app)}\n{fronts.Echo(app).Log}");
        using var json = await EchoAnswers.ReadJsonAsync(response, Timeout);
        EchoAnswers.AssertBody(json.RootElement, body);
    }

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task Large_bodies_go_both_ways(OtherFrontEnd front, EchoApp app)
    {
        const int Length = 5_000_000;
        var upload = new byte[Length];
        Random.Shared.NextBytes(upload);

        using var uploaded = await fronts.Client.PostAsync(fronts.Url(front, app, "/upload"), new ByteArrayContent(upload), Timeout);
        using var downloaded = await fronts.Client.GetAsync(fronts.Url(front, app, "/bytes/" + Length), Timeout);

        await EchoAnswers.AssertUploadAsync(uploaded, upload, Timeout);
        Assert.Equal(HttpStatusCode.OK, downloaded.StatusCode);
        var body = await downloaded.Content.ReadAsByteArrayAsync(Timeout);
        Assert.Equal(Length, body.Length);
        Assert.Equal(-1, EchoPattern.FirstMismatch(body, 0));
    }

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task A_stream_reaches_the_client_chunk_by_chunk_or_whole_at_the_end_as_the_front_end_buffers(OtherFrontEnd front, EchoApp app)
    {
        var clock = Stopwatch.StartNew();
        using var response = await fronts.Client.GetAsync(
            fronts.Url(front, app, $"/stream/{StreamChunks}/100?delayMs={StreamDelayMs}"), HttpCompletionOption.ResponseHeadersRead, Timeout);
        var (body, firstByte, end) = await TimedBody.ReadAsync(response, clock, StreamChunks * 100, Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(StreamChunks * 100, body.Length);
        Assert.Equal(-1, EchoPattern.FirstMismatch(body, 0));
        var timing = $"first byte at {firstByte!.Value.TotalMilliseconds:0} ms, end at {end.TotalMilliseconds:0} ms";
        if (front is OtherFrontEnd.ApacheUwsgi or OtherFrontEnd.UwsgiRouter)
        {
            Assert.True(end - firstByte.Value >= TimeSpan.FromMilliseconds(StreamDelayMs), "The stream arrived in one piece: " + timing);
        }
        else
        {
            // mod_proxy_fcgi (without flushpackets=on) and lighttpd (without server.stream-response-body) hold the
            // response until it ends: the first byte cannot come before the app wrote the last chunk.
            Assert.True(firstByte.Value >= TimeSpan.FromMilliseconds((StreamChunks - 1) * StreamDelayMs), "The stream was passed on as it came: " + timing);
        }
    }

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task A_client_connection_is_kept_alive_except_by_the_uwsgi_router(OtherFrontEnd front, EchoApp app)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, fronts.Port(front, app), Timeout);
        var stream = client.GetStream();
        var request = Encoding.ASCII.GetBytes("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

        await stream.WriteAsync(request, Timeout);
        var first = await ReadResponseAsync(stream);

        Assert.True(first == "hello world\n", $"Not /hello's answer: {first}\n{fronts.Log(front, app)}");
        if (front == OtherFrontEnd.UwsgiRouter)
        {
            // The router closes the client connection after each response unless started with --http-keepalive.
            Assert.Equal(0, await stream.ReadAsync(new byte[1], Timeout));
            return;
        }

        await stream.WriteAsync(request, Timeout);
        var second = await ReadResponseAsync(stream);
        Assert.True(second == "hello world\n", $"Not /hello's answer: {second}\n{fronts.Log(front, app)}");
    }

    [Theory]
    [MemberData(nameof(OtherFrontEnds.Every), MemberType = typeof(OtherFrontEnds))]
    public async Task A_client_that_gives_up_aborts_the_request_only_through_the_uwsgi_router(OtherFrontEnd front, EchoApp app)
    {
        var target = $"/delay/{DelayMs}?abort={Guid.NewGuid():N}";
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, fronts.Port(front, app), Timeout);
            await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), Timeout);
            await Task.Delay(300); // the client's patience, not a synchronisation: the access line below is the event
        }

        var echo = fronts.Echo(app);
        Assert.True(
            await Eventually.TrueAsync(() => echo.Log.Contains("GET " + target + " ", StringComparison.Ordinal), TimeSpan.FromSeconds(20)),
            $"No access line for {target}.\n{echo.Log}");
        var line = echo.Log.Split('\n').First(l => l.Contains("GET " + target + " ", StringComparison.Ordinal));
        if (front == OtherFrontEnd.UwsgiRouter)
        {
            // The router closed the connection: RequestAborted fired and the app stopped waiting before writing its
            // "ok\n" (the native Echo answers nothing, logged 499; the ASP.NET Core sample ends with an empty 200).
            Assert.Matches($"GET {Regex.Escape(target)} (499|200) 0 ", line);
        }
        else
        {
            // Apache and lighttpd notice a client that left only when they write to it: Bridge is not told, the app
            // runs to its end and writes "ok\n", and the front end drops the answer.
            Assert.Contains($"GET {target} 200 3 ", line, StringComparison.Ordinal);
        }
    }

    // One HTTP/1.1 response (Content-Length or chunked), read without waiting for the connection to close.
    private static async Task<string> ReadResponseAsync(NetworkStream stream)
    {
        var head = await ReadLineAsync(stream, "\r\n\r\n");
        var lengthLine = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (lengthLine is not null)
        {
            var body = new byte[int.Parse(lengthLine["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture)];
            await stream.ReadExactlyAsync(body, Timeout);
            return Encoding.ASCII.GetString(body);
        }

        var text = new StringBuilder();
        while (true)
        {
            var size = Convert.ToInt32((await ReadLineAsync(stream, "\r\n")).Split(';')[0].Trim(), 16);
            var chunk = new byte[size + 2];
            await stream.ReadExactlyAsync(chunk, Timeout);
            if (size == 0)
            {
                return text.ToString();
            }

            text.Append(Encoding.ASCII.GetString(chunk, 0, size));
        }
    }

    private static async Task<string> ReadLineAsync(NetworkStream stream, string end)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (!line.ToString().EndsWith(end, StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, Timeout) == 0)
            {
                throw new IOException("The connection closed inside a response: " + line);
            }

            line.Append((char)one[0]);
        }

        return line.ToString();
    }
}
