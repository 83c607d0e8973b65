using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;

namespace Bridge.Integration.Tests;

/// <summary>An app that throws, and a client that gives up: Bridge answers or cancels, then goes on serving.</summary>
[Collection(EchoBehindNginxDefinition.Name)]
public sealed class FailureTests(EchoBehindNginx stack)
{
    private static readonly TimeSpan LogWait = TimeSpan.FromSeconds(5);

    [Theory]
    [MemberData(nameof(EchoApps.InEveryMode), MemberType = typeof(EchoApps))]
    public async Task Throw_answers_500_and_the_next_request_is_served(EchoApp app, FrontEndMode mode)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var echo = stack.EchoBehind(app, mode);
        var failuresBefore = echo.CountInLog(EchoProcess.FailedLine);

        using var failed = await stack.Client.GetAsync(stack.Url(app, mode, "/throw"), timeout.Token);
        using var next = await stack.Client.GetAsync(stack.Url(app, mode, "/hello"), timeout.Token);

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("hello world\n", await next.Content.ReadAsStringAsync(timeout.Token));
        Assert.True(
            await Eventually.TrueAsync(() => echo.CountInLog(EchoProcess.FailedLine) > failuresBefore, LogWait),
            "Echo did not log the application failure:\n" + echo.Log);
    }

    [Theory]
    [MemberData(nameof(EchoApps.InEveryMode), MemberType = typeof(EchoApps))]
    public async Task A_client_that_gives_up_on_delay_cancels_it_in_echo(EchoApp app, FrontEndMode mode)
    {
        var echo = stack.EchoBehind(app, mode);
        var cancelledBefore = await CancelledCountAsync(app, mode);
        var marker = Guid.NewGuid().ToString("N");
        var clock = Stopwatch.StartNew();

        using (var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                () => stack.Client.GetAsync(stack.Url(app, mode, "/delay/5000?abort=" + marker), giveUp.Token));
        }

        var next = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await stack.Client.GetAsync(stack.Url(app, mode, "/hello"), timeout.Token);
        next.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(next.Elapsed < TimeSpan.FromSeconds(2), $"The request after the abort took {next.Elapsed.TotalMilliseconds:0} ms.");
        Assert.True(
            await Eventually.TrueAsync(() => stack.Nginx.AccessLog.Contains($"/delay/5000?abort={marker} HTTP/1.1\" 499 ", StringComparison.Ordinal), LogWait),
            "nginx did not log 499 (client closed) for the aborted request:\n" + stack.Nginx.AccessLog);
        Assert.True(
            await Eventually.TrueAsync(async () => await CancelledCountAsync(app, mode) > cancelledBefore, LogWait),
            $"{app} did not report the aborted request as cancelled (log line, or /api/aborts):\n" + echo.Log);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"Bridge noticed the abort only after {clock.Elapsed.TotalMilliseconds:0} ms, past the 5000 ms delay.");
    }

    // The proof that the abort reached the app. The native Echo lets the cancellation escape and Bridge logs it
    // (CancelledLine); the ASP.NET Core sample ends such a request quietly, as apps do, and counts it in /api/aborts.
    private async Task<int> CancelledCountAsync(EchoApp app, FrontEndMode mode)
    {
        if (app == EchoApp.Native)
        {
            return stack.EchoBehind(app, mode).CountInLog(EchoProcess.CancelledLine);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var json = JsonDocument.Parse(await stack.Client.GetStringAsync(stack.Url(app, mode, "/api/aborts"), timeout.Token));
        return json.RootElement.GetProperty("aborts").GetInt32();
    }
}
