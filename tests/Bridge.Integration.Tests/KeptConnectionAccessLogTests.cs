using System.Net;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;
using Bridge.Testing.Isolation;
using Bridge.Testing.Logging;
using Xunit.Abstractions;

namespace Bridge.Integration.Tests;

/// <summary>
/// Echo with its default access log behind nginx with <c>fastcgi_keep_conn on</c> and an upstream keepalive pool:
/// one client, requests alternating between <c>/delay/1?first=N</c> (awaits) and <c>/hello?second=N</c> (does not),
/// each sent when the previous answer arrived (issue 10). Every access line Echo writes to stderr names its own
/// request: its target, 200, and its own length (3 or 12 bytes).
/// </summary>
[Collection(IsolationBehindNginxDefinition.Name)]
public sealed class KeptConnectionAccessLogTests(IsolationBehindNginx stack, ITestOutputHelper output)
{
    private const int Pairs = 2000;
    private static readonly TimeSpan SequenceLimit = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan LinesLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Every_access_line_names_its_own_request_when_awaiting_and_synchronous_requests_alternate_through_nginx_with_fastcgi_keep_conn()
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(30) };
        var baseAddress = stack.BaseAddress("LOGGED_FASTCGI_PORT");
        var before = AccessLine.FromConsoleLog(stack.LoggedEcho.Log).Count;
        var wrongAnswers = new List<string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        foreach (var target in AlternatingSequence.Targets(Pairs))
        {
            Assert.True(clock.Elapsed < SequenceLimit, $"The sequence took longer than {SequenceLimit}.");
            using var response = await client.GetAsync(new Uri(baseAddress, target));
            var body = await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode != HttpStatusCode.OK || !body.AsSpan().SequenceEqual(AlternatingSequence.BodyFor(target)))
            {
                wrongAnswers.Add($"{target}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body).Trim()}");
            }
        }

        var sent = clock.Elapsed;
        await Eventually.TrueAsync(() => AccessLine.FromConsoleLog(stack.LoggedEcho.Log).Count >= before + 2 * Pairs, LinesLimit);
        var lines = AccessLine.FromConsoleLog(stack.LoggedEcho.Log).Skip(before).ToList();

        var report = AlternatingSequence.Check(lines, Pairs, "fastcgi");
        output.WriteLine($"{2 * Pairs} requests through nginx in {sent.TotalSeconds:0.0} s. {report}");
        Assert.True(wrongAnswers.Count == 0, $"{wrongAnswers.Count} answers were not their request's: {string.Join(" | ", wrongAnswers.Take(5))}");
        Assert.True(report.IsClean, report.ToString());
    }
}
