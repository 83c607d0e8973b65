using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bridge.Integration.Tests.Http;

namespace Bridge.Integration.Tests.Stress;

/// <summary>
/// The cross-talk load of issue 10: many clients at once through nginx, each request carrying a unique id (in its
/// target, a header or its body) that its answer must give back, so an answer meant for another request is seen.
/// Requests are synchronous, awaiting, streaming, uploading, aborted by the client, or timed out by Bridge (sent to
/// an Echo with a 1 s RequestTimeout, which also gets a share of the ordinary requests). Every count is bounded.
/// </summary>
internal sealed class CrossTalkLoad(Uri echo, Uri timeoutEcho, string gateway) : IDisposable
{
    private const double ShareToTimeoutEcho = 0.1;
    private const int AbortedDownloadLength = 4_000_000;
    private static readonly TimeSpan AnswerLimit = TimeSpan.FromSeconds(30);

    // Out of 1000; TimedOut is rare because each costs its client RequestTimeout (1 s).
    private static readonly (RequestKind Kind, int Weight)[] Mix =
    [
        (RequestKind.Hello, 215), (RequestKind.EchoGet, 120), (RequestKind.EchoPost, 100), (RequestKind.Headers, 100),
        (RequestKind.Delay, 110), (RequestKind.Bytes, 90), (RequestKind.Stream, 80), (RequestKind.Upload, 90),
        (RequestKind.AbortDelay, 30), (RequestKind.AbortDownload, 25), (RequestKind.AbortStream, 25), (RequestKind.AbortUpload, 10),
        (RequestKind.TimedOut, 3), (RequestKind.TimedOutStream, 2),
    ];

    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(20),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan, // each request has its own bound (AnswerLimit)
    };

    private readonly Dictionary<RequestKind, KindTally> _tallies = Enum.GetValues<RequestKind>().ToDictionary(k => k, _ => new KindTally());

    public IReadOnlyDictionary<RequestKind, KindTally> Tallies => _tallies;

    /// <summary>
    /// <paramref name="clients"/> loops send <paramref name="requests"/> requests in all (each loop takes the next
    /// until none is left), starting no new request after <paramref name="limit"/>.
    /// </summary>
    public async Task<LoadReport> RunAsync(int clients, int requests, TimeSpan limit, int seed)
    {
        var issued = 0;
        var clock = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var random = new Random(seed + client);
            int n;
            while ((n = Interlocked.Increment(ref issued)) <= requests && clock.Elapsed < limit)
            {
                var kind = Pick(random);
                var toTimeoutEcho = kind is RequestKind.TimedOut or RequestKind.TimedOutStream || (IsOrdinary(kind) && random.NextDouble() < ShareToTimeoutEcho);
                var id = string.Create(CultureInfo.InvariantCulture, $"{gateway}-{client}-{n}-{random.Next():x8}");
                var outcome = await SendAsync(kind, toTimeoutEcho ? timeoutEcho : echo, id, n, random);
                _tallies[kind].Record(outcome);
            }
        })).ToArray();
        await Task.WhenAll(loops);
        return new LoadReport(gateway, clients, _tallies, clock.Elapsed);
    }

    /// <summary>Sends one request of <paramref name="kind"/> and checks its answer.</summary>
    public async Task<Outcome> SendAsync(RequestKind kind, Uri baseAddress, string id, int n, Random random)
    {
        using var limit = new CancellationTokenSource(AnswerLimit);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(limit.Token);
        try
        {
            return kind switch
            {
                RequestKind.Hello => await HelloAsync(baseAddress, id, limit.Token),
                RequestKind.EchoGet => await EchoAsync(baseAddress, id, n, body: null, limit.Token),
                RequestKind.EchoPost => await EchoAsync(baseAddress, id, n, UniqueBody(id, 1 + random.Next(16 * 1024), random), limit.Token),
                RequestKind.Headers => await HeadersAsync(baseAddress, id, n, limit.Token),
                RequestKind.Delay => await DelayAsync(baseAddress, id, random.Next(4), limit.Token),
                RequestKind.Bytes => await BytesAsync(baseAddress, id, 1 + random.Next(100_000), limit.Token),
                RequestKind.Stream => await StreamAsync(baseAddress, id, 1 + random.Next(8), 1 + random.Next(8192), limit.Token),
                RequestKind.Upload => await UploadAsync(baseAddress, id, UniqueBody(id, 1 + random.Next(64 * 1024), random), limit.Token),
                RequestKind.AbortDelay => await AbortDelayAsync(baseAddress, id, giveUp, TimeSpan.FromMilliseconds(1 + random.Next(30))),
                RequestKind.AbortDownload => await AbortDownloadAsync(baseAddress, id, 1 + random.Next(256 * 1024), giveUp),
                RequestKind.AbortStream => await AbortStreamAsync(baseAddress, id, 1 + random.Next(2 * 16384), giveUp),
                RequestKind.AbortUpload => await AbortUploadAsync(baseAddress, id, UniqueBody(id, 16 * 1024, random), giveUp, TimeSpan.FromMilliseconds(5 + random.Next(25))),
                RequestKind.TimedOut => await TimedOutAsync(baseAddress, id, limit.Token),
                RequestKind.TimedOutStream => await TimedOutStreamAsync(baseAddress, id, limit.Token),
                _ => throw new ArgumentOutOfRangeException(nameof(kind)),
            };
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            return Outcome.Failed($"no answer within {AnswerLimit.TotalSeconds:0} s");
        }
        catch (OperationCanceledException) when (giveUp.IsCancellationRequested)
        {
            return Outcome.Aborted; // the client gave up, as this kind does
        }
        catch (HttpRequestException ex)
        {
            return Outcome.Failed($"{ex.GetType().Name} ({ex.HttpRequestError}{(ex.InnerException is { } inner ? ", " + inner.GetType().Name : "")})");
        }
        catch (IOException ex)
        {
            return Outcome.Failed($"{ex.GetType().Name} while reading the body ({ex.InnerException?.GetType().Name})");
        }
    }

    public void Dispose() => _client.Dispose();

    private static RequestKind Pick(Random random)
    {
        var roll = random.Next(1000);
        foreach (var (kind, weight) in Mix)
        {
            if (roll < weight)
            {
                return kind;
            }

            roll -= weight;
        }

        return RequestKind.Hello;
    }

    private static bool IsOrdinary(RequestKind kind) => kind is RequestKind.Hello or RequestKind.EchoGet or RequestKind.EchoPost
        or RequestKind.Headers or RequestKind.Delay or RequestKind.Bytes or RequestKind.Upload;

    // Random bytes with the request's id at the start: no two requests send the same body.
    private static byte[] UniqueBody(string id, int length, Random random)
    {
        var body = new byte[Math.Max(length, id.Length)];
        random.NextBytes(body);
        Encoding.ASCII.GetBytes(id, body);
        return body;
    }

    // 5xx: the request failed (e.g. 502 from nginx); anything else unexpected is another request's answer.
    private static Outcome Unexpected(HttpResponseMessage response, string id, string expected)
        => (int)response.StatusCode >= 500
            ? Outcome.Failed($"status {(int)response.StatusCode}")
            : Outcome.Mismatch($"{id}: status {(int)response.StatusCode}, expected {expected}");

    private async Task<Outcome> HelloAsync(Uri baseAddress, string id, CancellationToken token)
    {
        using var response = await _client.GetAsync(new Uri(baseAddress, "/hello?id=" + id), token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return Unexpected(response, id, "200");
        }

        var body = await response.Content.ReadAsStringAsync(token);
        return body == "hello world\n" ? Outcome.Right : Outcome.Mismatch($"{id}: /hello answered {Describe(body)}");
    }

    private async Task<Outcome> EchoAsync(Uri baseAddress, string id, int n, byte[]? body, CancellationToken token)
    {
        var query = string.Create(CultureInfo.InvariantCulture, $"id={id}&n={n}");
        var target = $"/echo/{id}?{query}";
        using var request = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, new Uri(baseAddress, target));
        request.Headers.Add("X-Request-Id", id);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
        }

        using var response = await _client.SendAsync(request, token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return Unexpected(response, id, "200");
        }

        var text = await response.Content.ReadAsStringAsync(token);
        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            var problems = new List<string>();
            Expect(problems, "method", body is null ? "GET" : "POST", root.GetProperty("method").GetString());
            Expect(problems, "path", "/echo/" + id, root.GetProperty("path").GetString());
            Expect(problems, "rawTarget", target, root.GetProperty("rawTarget").GetString());
            Expect(problems, "query", query, root.GetProperty("query").GetString());
            Expect(problems, "gateway", gateway, root.GetProperty("gateway").GetString());
            Expect(problems, "x-request-id", id, root.GetProperty("headers").TryGetProperty("x-request-id", out var header) ? header.GetString() : null);
            Expect(problems, "bodyLength", (body?.Length ?? 0).ToString(CultureInfo.InvariantCulture), root.GetProperty("bodyLength").GetInt64().ToString(CultureInfo.InvariantCulture));
            Expect(problems, "bodySha256", Convert.ToHexStringLower(SHA256.HashData(body ?? [])), root.GetProperty("bodySha256").GetString());
            return problems.Count == 0 ? Outcome.Right : Outcome.Mismatch($"{id}: /echo answered {string.Join(", ", problems)}");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return Outcome.Mismatch($"{id}: /echo answered {Describe(text)}");
        }
    }

    private async Task<Outcome> HeadersAsync(Uri baseAddress, string id, int n, CancellationToken token)
    {
        var number = n.ToString(CultureInfo.InvariantCulture);
        using var response = await _client.GetAsync(new Uri(baseAddress, $"/headers?X-Request-Id={id}&X-Echo-N={number}"), token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return Unexpected(response, id, "200");
        }

        var body = await response.Content.ReadAsStringAsync(token);
        var problems = new List<string>();
        Expect(problems, "X-Request-Id", id, response.Headers.TryGetValues("X-Request-Id", out var ids) ? string.Join(",", ids) : null);
        Expect(problems, "X-Echo-N", number, response.Headers.TryGetValues("X-Echo-N", out var ns) ? string.Join(",", ns) : null);
        Expect(problems, "body", "ok\n", body);
        return problems.Count == 0 ? Outcome.Right : Outcome.Mismatch($"{id}: /headers answered {string.Join(", ", problems)}");
    }

    private async Task<Outcome> DelayAsync(Uri baseAddress, string id, int ms, CancellationToken token)
    {
        using var response = await _client.GetAsync(new Uri(baseAddress, string.Create(CultureInfo.InvariantCulture, $"/delay/{ms}?id={id}")), token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return Unexpected(response, id, "200");
        }

        var body = await response.Content.ReadAsStringAsync(token);
        return body == "ok\n" ? Outcome.Right : Outcome.Mismatch($"{id}: /delay answered {Describe(body)}");
    }

    private async Task<Outcome> BytesAsync(Uri baseAddress, string id, int length, CancellationToken token)
    {
        using var response = await _client.GetAsync(new Uri(baseAddress, string.Create(CultureInfo.InvariantCulture, $"/bytes/{length}?id={id}")), token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return Unexpected(response, id, "200");
        }

        return PatternOutcome(id, "/bytes", await response.Content.ReadAsByteArrayAsync(token), length);
    }

    private async Task<Outcome> StreamAsync(Uri baseAddress, string id, int chunks, int size, CancellationToken token)
    {
        using var response = await _client.GetAsync(new Uri(baseAddress, string.Create(CultureInfo.InvariantCulture, $"/stream/{chunks}/{size}?id={id}")), token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return Unexpected(response, id, "200");
        }

        return PatternOutcome(id, "/stream", await response.Content.ReadAsByteArrayAsync(token), (long)chunks * size);
    }

    private async Task<Outcome> UploadAsync(Uri baseAddress, string id, byte[] body, CancellationToken token)
    {
        using var content = new ByteArrayContent(body);
        using var response = await _client.PostAsync(new Uri(baseAddress, "/upload?id=" + id), content, token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return Unexpected(response, id, "200");
        }

        var text = await response.Content.ReadAsStringAsync(token);
        try
        {
            using var json = JsonDocument.Parse(text);
            var problems = new List<string>();
            Expect(problems, "bodyLength", body.Length.ToString(CultureInfo.InvariantCulture), json.RootElement.GetProperty("bodyLength").GetInt64().ToString(CultureInfo.InvariantCulture));
            Expect(problems, "bodySha256", Convert.ToHexStringLower(SHA256.HashData(body)), json.RootElement.GetProperty("bodySha256").GetString());
            return problems.Count == 0 ? Outcome.Right : Outcome.Mismatch($"{id}: /upload answered {string.Join(", ", problems)}");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return Outcome.Mismatch($"{id}: /upload answered {Describe(text)}");
        }
    }

    private async Task<Outcome> AbortDelayAsync(Uri baseAddress, string id, CancellationTokenSource giveUp, TimeSpan after)
    {
        giveUp.CancelAfter(after);
        using var response = await _client.GetAsync(new Uri(baseAddress, "/delay/3000?id=" + id), giveUp.Token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return Unexpected(response, id, "200 or none");
        }

        var body = await response.Content.ReadAsStringAsync(giveUp.Token);
        return body == "ok\n" ? Outcome.Right : Outcome.Mismatch($"{id}: /delay answered {Describe(body)}");
    }

    // Reads up to `keep` bytes of a long answer, checking each against the pattern, then leaves.
    private async Task<Outcome> AbortDownloadAsync(Uri baseAddress, string id, int keep, CancellationTokenSource giveUp)
        => await ReadPartThenLeaveAsync(new Uri(baseAddress, string.Create(CultureInfo.InvariantCulture, $"/bytes/{AbortedDownloadLength}?id={id}")), id, keep, AbortedDownloadLength, giveUp);

    private async Task<Outcome> AbortStreamAsync(Uri baseAddress, string id, int keep, CancellationTokenSource giveUp)
        => await ReadPartThenLeaveAsync(new Uri(baseAddress, "/stream/64/16384?delayMs=20&id=" + id), id, keep, null, giveUp);

    private async Task<Outcome> ReadPartThenLeaveAsync(Uri url, string id, int keep, long? contentLength, CancellationTokenSource giveUp)
    {
        using var response = await _client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, giveUp.Token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return Unexpected(response, id, "200");
        }

        if (response.Content.Headers.ContentLength != contentLength)
        {
            return Outcome.Mismatch($"{id}: {url.AbsolutePath} has Content-Length {response.Content.Headers.ContentLength}, expected {contentLength?.ToString(CultureInfo.InvariantCulture) ?? "none"}");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(giveUp.Token);
        var buffer = new byte[16 * 1024];
        long received = 0;
        while (received < keep)
        {
            var read = await stream.ReadAsync(buffer, giveUp.Token);
            if (read == 0)
            {
                return Outcome.Failed($"{url.AbsolutePath}: the answer ended after {received} bytes");
            }

            if (EchoPattern.FirstMismatch(buffer.AsSpan(0, read), received) is var at and >= 0)
            {
                return Outcome.Mismatch($"{id}: {url.AbsolutePath} byte {at} is not the pattern's");
            }

            received += read;
        }

        await giveUp.CancelAsync(); // leave mid-body: the connection is closed under the rest
        return Outcome.Aborted;
    }

    private async Task<Outcome> AbortUploadAsync(Uri baseAddress, string id, byte[] firstPart, CancellationTokenSource giveUp, TimeSpan after)
    {
        giveUp.CancelAfter(after);
        using var content = new StallingContent(firstPart, 256 * 1024);
        using var response = await _client.PostAsync(new Uri(baseAddress, "/upload?id=" + id), content, giveUp.Token);
        return Unexpected(response, id, "no answer to a body that never ends");
    }

    private async Task<Outcome> TimedOutAsync(Uri baseAddress, string id, CancellationToken token)
    {
        using var response = await _client.GetAsync(new Uri(baseAddress, "/delay/5000?id=" + id), token);
        if (response.StatusCode == HttpStatusCode.GatewayTimeout)
        {
            return Outcome.Right;
        }

        return response.StatusCode == HttpStatusCode.OK
            ? Outcome.Failed("200: not timed out")
            : Unexpected(response, id, "504");
    }

    // The deadline (1 s, checked by a heartbeat each second) passes while the 2.7 s answer streams: Bridge cuts it,
    // which nginx can only end early. A 504 (the
    // deadline passed before the first chunk left, on a busy machine) or 502 is an expected failure too.
    private async Task<Outcome> TimedOutStreamAsync(Uri baseAddress, string id, CancellationToken token)
    {
        const int Length = 10 * 1000;
        using var response = await _client.GetAsync(new Uri(baseAddress, "/stream/10/1000?delayMs=300&id=" + id), HttpCompletionOption.ResponseHeadersRead, token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return response.StatusCode is HttpStatusCode.GatewayTimeout or HttpStatusCode.BadGateway
                ? Outcome.Failed($"status {(int)response.StatusCode}")
                : Unexpected(response, id, "200, cut");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(token);
        var buffer = new byte[Length + 1];
        var received = 0;
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(received), token)) > 0)
            {
                received += read;
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return EchoPattern.FirstMismatch(buffer.AsSpan(0, received), 0) is var cutAt and >= 0
                ? Outcome.Mismatch($"{id}: /stream byte {cutAt} is not the pattern's")
                : Outcome.Failed("cut after the deadline");
        }

        var at = EchoPattern.FirstMismatch(buffer.AsSpan(0, received), 0);
        return at >= 0 ? Outcome.Mismatch($"{id}: /stream byte {at} is not the pattern's")
            : received < Length ? Outcome.Failed("cut after the deadline")
            : Outcome.Failed($"{received} bytes: not timed out");
    }

    private static Outcome PatternOutcome(string id, string route, byte[] body, long length)
    {
        if (body.Length != length)
        {
            return Outcome.Mismatch($"{id}: {route} answered {body.Length} bytes, expected {length}");
        }

        var at = EchoPattern.FirstMismatch(body, 0);
        return at < 0 ? Outcome.Right : Outcome.Mismatch($"{id}: {route} byte {at} of {length} is not the pattern's");
    }

    private static void Expect(List<string> problems, string name, string expected, string? actual)
    {
        if (!string.Equals(expected, actual, StringComparison.Ordinal))
        {
            problems.Add($"{name} {Describe(actual)} instead of {Describe(expected)}");
        }
    }

    private static string Describe(string? text)
        => text is null ? "(none)" : "\"" + (text.Length > 120 ? text[..120] + "..." : text).ReplaceLineEndings("\\n") + "\"";
}
