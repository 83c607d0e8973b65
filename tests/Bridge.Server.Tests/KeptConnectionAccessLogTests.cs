using Bridge.Server.Options;
using Bridge.Server.Tests.Infrastructure;
using Bridge.Testing.Isolation;

namespace Bridge.Server.Tests;

/// <summary>
/// Echo with its default access log, on one kept FastCGI connection, requests alternating between a handler that
/// awaits and one that does not (issue 10): every access line names its own request. The awaiting handler's line
/// is written after its END_REQUEST has left, while the next request is already being read on the same connection.
/// </summary>
public sealed class KeptConnectionAccessLogTests
{
    private const int Pairs = 2000;
    private static readonly TimeSpan SequenceLimit = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan LinesLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Every_access_line_names_its_own_request_when_awaiting_and_synchronous_requests_alternate_on_a_kept_fastcgi_connection()
    {
        await using var server = await TestServer.StartEchoAsync(ListenerProtocol.FastCgi);
        Assert.True(server.Options.AccessLog); // the default

        var wrongAnswers = await AlternatingSequence.SendOverKeptFastCgiConnectionAsync(server.EndPoint, Pairs, SequenceLimit);
        var lines = await AccessLinesAsync(server, 2 * Pairs);

        var report = AlternatingSequence.Check(lines, Pairs, "fastcgi");
        Assert.True(wrongAnswers.Count == 0, $"{wrongAnswers.Count} answers were not their request's: {string.Join(" | ", wrongAnswers.Take(5))}");
        Assert.True(report.IsClean, report.ToString());
    }

    [Fact]
    public async Task An_access_line_written_once_the_next_request_on_the_kept_connection_has_reached_the_app_names_its_own_request()
    {
        const int HeldPairs = 50;

        // Echo, but each /delay request returns only once the /hello after it has reached the app: its access line
        // is written after the next request's variables have arrived on the connection.
        var app = new HeldAfterAnswerApplication(new Samples.Echo.EchoApplication(), context => context.Request.Path.StartsWith("/delay/", StringComparison.Ordinal));
        await using var server = await TestServer.StartAsync(app, ListenerProtocol.FastCgi);

        var wrongAnswers = await AlternatingSequence.SendOverKeptFastCgiConnectionAsync(server.EndPoint, HeldPairs, SequenceLimit);
        var lines = await AccessLinesAsync(server, 2 * HeldPairs);

        var report = AlternatingSequence.Check(lines, HeldPairs, "fastcgi");
        Assert.True(wrongAnswers.Count == 0, $"{wrongAnswers.Count} answers were not their request's: {string.Join(" | ", wrongAnswers.Take(5))}");
        Assert.Equal(0, app.Unreleased);
        Assert.True(report.IsClean, report.ToString());
    }

    [Fact]
    public async Task Every_access_line_names_its_own_request_when_awaiting_and_synchronous_requests_alternate_over_uwsgi()
    {
        const int UwsgiPairs = 300;
        await using var server = await TestServer.StartEchoAsync(ListenerProtocol.Uwsgi);
        var wrongAnswers = new List<string>();

        foreach (var target in AlternatingSequence.Targets(UwsgiPairs))
        {
            var response = await UwsgiWire.SendAsync(server.EndPoint, TestRequest.Get(target));
            if (response.StatusCode != 200 || !response.Body.AsSpan().SequenceEqual(AlternatingSequence.BodyFor(target)))
            {
                wrongAnswers.Add($"{target}: {response.StatusCode} {response.BodyText.Trim()}");
            }
        }

        var lines = await AccessLinesAsync(server, 2 * UwsgiPairs);

        var report = AlternatingSequence.Check(lines, UwsgiPairs, "uwsgi");
        Assert.True(wrongAnswers.Count == 0, $"{wrongAnswers.Count} answers were not their request's: {string.Join(" | ", wrongAnswers.Take(5))}");
        Assert.True(report.IsClean, report.ToString());
    }

    // Every request's line, once all have been written (a line may follow its answer by a moment).
    private static async Task<List<AccessLine>> AccessLinesAsync(TestServer server, int count)
    {
        var entries = await server.Logs.WaitForCountAsync(AccessLine.EventId, count, LinesLimit);
        return [.. entries.Select(e => AccessLine.Parse(e.Message) ?? throw new InvalidOperationException("Not an access line: " + e.Message))];
    }
}
