using System.Diagnostics;
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

        Assert.False(response.Headers.Contains("X-Accel-Buffering"), "nginx should consume X-Accel-Buffering, not pass it to the client.");
        Assert.True(response.Headers.TransferEncodingChunked, "Without a Content-Length nginx should chunk the response.");
        await EchoAnswers.AssertStreamedAsync(response, clock, Chunks * ChunkSize, TimeSpan.FromMilliseconds(DelayMs), "nginx", timeout.Token);
    }
}
