using System.Diagnostics;
using System.Net;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;

namespace Bridge.Integration.Tests;

/// <summary>/stream flushes each chunk to nginx, and X-Accel-Buffering: no makes nginx pass each one on at once.</summary>
[Collection(EchoBehindNginxDefinition.Name)]
public sealed class StreamingTests(EchoBehindNginx stack)
{
    private const int Chunks = 5;
    private const int ChunkSize = 100;
    private const int DelayMs = 250; // Echo pauses this long before each chunk after the first

    [Theory]
    [MemberData(nameof(EchoApps.InEveryMode), MemberType = typeof(EchoApps))]
    public async Task Stream_chunks_reach_the_client_before_the_last_is_written(EchoApp app, FrontEndMode mode)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();
        using var response = await stack.Client.GetAsync(
            stack.Url(app, mode, $"/stream/{Chunks}/{ChunkSize}?delayMs={DelayMs}"), HttpCompletionOption.ResponseHeadersRead, timeout.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Accel-Buffering"), "nginx should consume X-Accel-Buffering, not pass it to the client.");
        Assert.Null(response.Content.Headers.ContentLength);
        Assert.True(response.Headers.TransferEncodingChunked, "Without a Content-Length nginx should chunk the response.");

        await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
        var body = new byte[Chunks * ChunkSize + 1];
        var received = 0;
        TimeSpan? firstByte = null;
        int read;
        while ((read = await stream.ReadAsync(body.AsMemory(received), timeout.Token)) > 0)
        {
            firstByte ??= clock.Elapsed;
            received += read;
        }

        var end = clock.Elapsed;
        Assert.Equal(Chunks * ChunkSize, received);
        Assert.Equal(-1, EchoPattern.FirstMismatch(body.AsSpan(0, received), 0));
        Assert.NotNull(firstByte);
        var lead = end - firstByte.Value;
        Assert.True(
            lead >= TimeSpan.FromMilliseconds(DelayMs),
            $"The first chunk arrived only {lead.TotalMilliseconds:0} ms before the end (first at {firstByte.Value.TotalMilliseconds:0} ms, end at {end.TotalMilliseconds:0} ms); nginx buffered the stream.");
    }
}
