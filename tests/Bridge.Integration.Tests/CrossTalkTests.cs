using System.Text.RegularExpressions;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Stress;
using Xunit.Abstractions;

namespace Bridge.Integration.Tests;

/// <summary>
/// The cross-talk stress test of issue 10: 64 clients at once through a real nginx, over uwsgi and over FastCGI
/// with <c>fastcgi_keep_conn on</c> and an upstream keepalive pool, 100 000 requests each of synchronous, awaiting,
/// streaming, uploading, client-aborted and timed-out kinds (see <see cref="CrossTalkLoad"/>). No answer may be
/// another request's, no ordinary request may fail, and Bridge serves as before afterwards.
/// </summary>
[Collection(IsolationBehindNginxDefinition.Name)]
public sealed class CrossTalkTests(IsolationBehindNginx stack, ITestOutputHelper output)
{
    private const int Clients = 64;
    private const int Requests = 100_000;
    private const int AfterRounds = 3;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(240); // 40-60 s on a busy 2-core machine

    private static readonly RequestKind[] AfterKinds =
        [RequestKind.Hello, RequestKind.EchoGet, RequestKind.EchoPost, RequestKind.Headers, RequestKind.Delay, RequestKind.Bytes, RequestKind.Stream, RequestKind.Upload];

    public static TheoryData<string> Gateways => new("uwsgi", "fastcgi");

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task One_hundred_thousand_mixed_requests_from_64_clients_get_only_their_own_answers_and_bridge_serves_on(string gateway)
    {
        var (echo, timeoutEcho, process) = gateway == "uwsgi"
            ? (stack.BaseAddress("STRESS_UWSGI_PORT"), stack.BaseAddress("TIMEOUT_UWSGI_PORT"), stack.StressUwsgi)
            : (stack.BaseAddress("STRESS_FASTCGI_PORT"), stack.BaseAddress("TIMEOUT_FASTCGI_PORT"), stack.StressFastCgi);
        using var load = new CrossTalkLoad(echo, timeoutEcho, gateway);

        var report = await load.RunAsync(Clients, Requests, Limit, seed: gateway.Length * 7919);
        output.WriteLine(report.ToString());
        var after = await ServesAfterwardsAsync(load, echo, timeoutEcho);
        output.WriteLine($"afterwards: {after.Count} of {AfterKinds.Length * 2 * AfterRounds} checks failed" + (after.Count > 0 ? ": " + string.Join(" | ", after.Take(5)) : ""));
        output.WriteLine($"Echo's errors: {ErrorSummary(process.Log)}; the timeout Echo's: {ErrorSummary(stack.TimeoutEcho.Log)}");

        Assert.True(report.Mismatched == 0, $"{report.Mismatched} answers were another request's.\n{report}");
        Assert.True(report.UnexpectedFailures == 0, $"{report.UnexpectedFailures} requests failed unexpectedly.\n{report}");
        Assert.True(report.Requests >= Requests, $"Only {report.Requests} of {Requests} requests within {Limit}.\n{report}");
        Assert.All(report.Tallies, p => Assert.True(p.Value.Sent > 0, $"No {p.Key} request was sent."));
        Assert.True(report.Tallies[RequestKind.TimedOut].Right > 0, $"No timed-out request got its 504.\n{report}");
        Assert.True(report.Tallies[RequestKind.TimedOutStream].Errors.GetValueOrDefault("cut after the deadline") > 0, $"No timed-out stream was cut.\n{report}");
        Assert.True(after.Count == 0, "Bridge did not serve as before after the load: " + string.Join(" | ", after));
        Assert.Equal(0, process.CountInLog("failed unexpectedly"));
        Assert.Equal(0, stack.TimeoutEcho.CountInLog("failed unexpectedly"));
    }

    // Error and critical lines of a console log (a "fail: Category[id]" line, then the message), by event and message start.
    private static string ErrorSummary(string log)
    {
        var lines = log.Split('\n');
        var errors = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < lines.Length; i++)
        {
            if (lines[i].StartsWith("fail: ", StringComparison.Ordinal) || lines[i].StartsWith("crit: ", StringComparison.Ordinal))
            {
                var message = Regex.Replace(lines[i + 1].Trim(), @"\S*\d\S*", "#"); // ids and counts vary
                var key = lines[i].Trim() + " " + (message.Length > 100 ? message[..100] : message);
                errors[key] = errors.GetValueOrDefault(key) + 1;
            }
        }

        return errors.Count == 0 ? "none" : string.Join("; ", errors.OrderByDescending(e => e.Value).Take(5).Select(e => $"{e.Key} x{e.Value}"));
    }

    // Each ordinary kind, one at a time, to both Echoes: every answer right.
    private static async Task<List<string>> ServesAfterwardsAsync(CrossTalkLoad load, Uri echo, Uri timeoutEcho)
    {
        var random = new Random(1);
        var failures = new List<string>();
        for (var round = 0; round < AfterRounds; round++)
        {
            foreach (var baseAddress in new[] { echo, timeoutEcho })
            {
                foreach (var kind in AfterKinds)
                {
                    var outcome = await load.SendAsync(kind, baseAddress, $"after-{round}-{kind}", round, random);
                    if (outcome.Kind != OutcomeKind.Right)
                    {
                        failures.Add($"{kind} at {baseAddress}: {outcome.Kind} {outcome.Detail}");
                    }
                }
            }
        }

        return failures;
    }
}
