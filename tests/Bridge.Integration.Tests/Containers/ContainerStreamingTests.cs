using System.Diagnostics;
using System.Net;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;

namespace Bridge.Integration.Tests.Containers;

/// <summary>Streaming and aborts cross the container boundary: chunks arrive before the last is written, and a client that gives up cancels the request in Echo.</summary>
[Collection(EchoBehindContainerNginxDefinition.Name)]
public sealed class ContainerStreamingTests(EchoBehindContainerNginx stack)
{
    private const int Chunks = 5;
    private const int ChunkSize = 100;
    private const int DelayMs = 250; // Echo pauses this long before each chunk after the first

    [Theory]
    [MemberData(nameof(ContainerModes.Both), MemberType = typeof(ContainerModes))]
    public async Task Stream_chunks_reach_the_client_before_the_last_is_written(FrontEndMode mode)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();
        using var response = await stack.Client.GetAsync(
            stack.Url(mode, $"/stream/{Chunks}/{ChunkSize}?delayMs={DelayMs}"), HttpCompletionOption.ResponseHeadersRead, timeout.Token);

        await EchoAnswers.AssertStreamedAsync(response, clock, Chunks * ChunkSize, TimeSpan.FromMilliseconds(DelayMs), "something on the way", timeout.Token);
    }

    [Theory]
    [MemberData(nameof(ContainerModes.Both), MemberType = typeof(ContainerModes))]
    public async Task A_client_that_gives_up_on_delay_cancels_it_in_echo(FrontEndMode mode)
    {
        var echo = stack.EchoBehind(mode);
        var cancelledBefore = echo.CountInLog(EchoProcess.CancelledLine);
        var marker = Guid.NewGuid().ToString("N");
        var clock = Stopwatch.StartNew();

        using (var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stack.Client.GetAsync(stack.Url(mode, "/delay/5000?abort=" + marker), giveUp.Token));
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var next = await stack.Client.GetAsync(stack.Url(mode, "/hello"), timeout.Token);

        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.True(
            await Eventually.TrueAsync(() => stack.Nginx.AccessLog.Contains($"/delay/5000?abort={marker} HTTP/1.1\" 499 ", StringComparison.Ordinal), TimeSpan.FromSeconds(5)),
            "nginx did not log 499 (client closed) for the aborted request:\n" + stack.Nginx.AccessLog);
        Assert.True(
            await Eventually.TrueAsync(() => echo.CountInLog(EchoProcess.CancelledLine) > cancelledBefore, TimeSpan.FromSeconds(5)),
            "Echo did not log the aborted request as cancelled:\n" + echo.Log);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"Echo saw the abort only after {clock.Elapsed.TotalMilliseconds:0} ms, past the 5000 ms delay.");
    }
}
