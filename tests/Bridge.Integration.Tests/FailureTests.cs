using System.Diagnostics;
using System.Net;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;

namespace Bridge.Integration.Tests;

/// <summary>An app that throws, and a client that gives up: Bridge answers or cancels, then goes on serving.</summary>
[Collection(EchoBehindNginxDefinition.Name)]
public sealed class FailureTests(EchoBehindNginx stack)
{
    private static readonly TimeSpan LogWait = TimeSpan.FromSeconds(5);

    [Theory]
    [MemberData(nameof(FrontEndModes.All), MemberType = typeof(FrontEndModes))]
    public async Task Throw_answers_500_and_the_next_request_is_served(FrontEndMode mode)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var echo = stack.EchoBehind(mode);
        var failuresBefore = echo.CountInLog(EchoProcess.FailedLine);

        using var failed = await stack.Client.GetAsync(stack.Url(mode, "/throw"), timeout.Token);
        using var next = await stack.Client.GetAsync(stack.Url(mode, "/hello"), timeout.Token);

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("hello world\n", await next.Content.ReadAsStringAsync(timeout.Token));
        Assert.True(
            await Eventually.TrueAsync(() => echo.CountInLog(EchoProcess.FailedLine) > failuresBefore, LogWait),
            "Echo did not log the application failure:\n" + echo.Log);
    }

    [Theory]
    [MemberData(nameof(FrontEndModes.All), MemberType = typeof(FrontEndModes))]
    public async Task A_client_that_gives_up_on_delay_cancels_it_in_echo(FrontEndMode mode)
    {
        var echo = stack.EchoBehind(mode);
        var cancelledBefore = echo.CountInLog(EchoProcess.CancelledLine);
        var marker = Guid.NewGuid().ToString("N");
        var clock = Stopwatch.StartNew();

        using (var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                () => stack.Client.GetAsync(stack.Url(mode, "/delay/5000?abort=" + marker), giveUp.Token));
        }

        var next = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await stack.Client.GetAsync(stack.Url(mode, "/hello"), timeout.Token);
        next.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(next.Elapsed < TimeSpan.FromSeconds(2), $"The request after the abort took {next.Elapsed.TotalMilliseconds:0} ms.");
        Assert.True(
            await Eventually.TrueAsync(() => stack.Nginx.AccessLog.Contains($"/delay/5000?abort={marker} HTTP/1.1\" 499 ", StringComparison.Ordinal), LogWait),
            "nginx did not log 499 (client closed) for the aborted request:\n" + stack.Nginx.AccessLog);
        Assert.True(
            await Eventually.TrueAsync(() => echo.CountInLog(EchoProcess.CancelledLine) > cancelledBefore, LogWait),
            "Echo did not log that the aborted request was cancelled:\n" + echo.Log);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"Bridge noticed the abort only after {clock.Elapsed.TotalMilliseconds:0} ms, past the 5000 ms delay.");
    }
}
