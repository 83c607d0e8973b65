using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Threading.Channels;
using Bridge.Testing.FrontEnd;
using Bridge.Testing.Logging;
using Xunit;

namespace Bridge.Testing.Isolation;

/// <summary>
/// The sequence of issue 10: on one kept connection, requests alternate between a handler that awaits
/// (<c>GET /delay/1?first=N</c>, answer <c>ok\n</c>, 3 bytes) and one that does not (<c>GET /hello?second=N</c>,
/// answer <c>hello world\n</c>, 12 bytes), each sent when the previous one's answer has arrived. The awaiting
/// handler finishes (and writes its access line, runs its OnCompleted callbacks) after its answer has left, while
/// the next request is already arriving: whatever it reads then must still be its own request.
/// </summary>
public static class AlternatingSequence
{
    /// <summary>What <c>/delay/1</c> answers.</summary>
    public static readonly byte[] AwaitingBody = "ok\n"u8.ToArray();

    /// <summary>What <c>/hello</c> answers.</summary>
    public static readonly byte[] SynchronousBody = "hello world\n"u8.ToArray();

    private const string AwaitingPrefix = "/delay/1?first=";
    private const string SynchronousPrefix = "/hello?second=";

    /// <summary>The targets in the order they are sent: first=0, second=0, first=1, second=1, ...</summary>
    public static IEnumerable<string> Targets(int pairs)
    {
        for (var n = 0; n < pairs; n++)
        {
            yield return AwaitingPrefix + n.ToString(CultureInfo.InvariantCulture);
            yield return SynchronousPrefix + n.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>True for the targets of the awaiting handler.</summary>
    public static bool IsAwaiting(string target) => target.StartsWith(AwaitingPrefix, StringComparison.Ordinal);

    /// <summary>The body <paramref name="target"/> is answered with.</summary>
    public static byte[] BodyFor(string target) => IsAwaiting(target) ? AwaitingBody : SynchronousBody;

    /// <summary>
    /// Sends the sequence over one FastCGI connection with KEEP_CONN (request id 1, as nginx does), each request once
    /// the previous one's END_REQUEST has arrived, and checks every answer. Returns the answers that were not their
    /// request's own (status, body, framing); fails if the whole sequence takes longer than <paramref name="limit"/>.
    /// </summary>
    /// <param name="endPoint">The server's socket.</param>
    /// <param name="pairs">How many awaiting/synchronous pairs.</param>
    /// <param name="limit">The bound on the whole sequence.</param>
    /// <param name="request">Builds the request for a target (default: a plain GET).</param>
    public static async Task<List<string>> SendOverKeptFastCgiConnectionAsync(EndPoint endPoint, int pairs, TimeSpan limit, Func<string, TestRequest>? request = null)
    {
        request ??= TestRequest.Get;
        var targets = Targets(pairs).ToList();
        var encoded = targets.Select(t => FastCgiWire.Encode(request(t), requestId: 1, keepConnection: true)).ToList();
        var wrong = new List<string>();
        var clock = Stopwatch.StartNew();
        using var socket = await Wire.ConnectAsync(endPoint);
        var reader = new FastCgiReader(socket);
        await Wire.SendAsync(socket, encoded[0]);
        for (var i = 0; i < targets.Count; i++)
        {
            Assert.True(clock.Elapsed < limit, $"The sequence took longer than {limit}: {i} of {targets.Count} requests answered.");
            var exchange = await reader.ReadUntilEndAsync(1);
            if (i + 1 < targets.Count)
            {
                await Wire.SendAsync(socket, encoded[i + 1]); // at once, as nginx does: the answer is checked after
            }

            var response = exchange.Response(1);
            if (response.StatusCode != 200 || !response.Body.AsSpan().SequenceEqual(BodyFor(targets[i])))
            {
                wrong.Add($"{targets[i]}: {response.StatusCode} {response.BodyText.Trim()}");
            }
        }

        return wrong;
    }

    /// <summary>
    /// Reads what the OnCompleted callbacks of the sequence's 2 × <paramref name="pairs"/> requests reported (what each
    /// request was, and what its callback saw of it) and asserts that every answer (<paramref name="wrongAnswers"/>, from
    /// <see cref="SendOverKeptFastCgiConnectionAsync"/>) and every callback's view was its own request's, and that every
    /// request had its callback. <paramref name="rawTarget"/> is the target a view names.
    /// </summary>
    public static async Task AssertEachObservationIsItsOwnAsync<TView>(
        ChannelReader<(TView Expected, TView Seen)> observed, int pairs, List<string> wrongAnswers, Func<TView, string> rawTarget)
        where TView : IEquatable<TView>
    {
        var views = new List<(TView Expected, TView Seen)>();
        using var timeout = new CancellationTokenSource(Wire.Timeout);
        try
        {
            while (views.Count < 2 * pairs)
            {
                views.Add(await observed.ReadAsync(timeout.Token));
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Only {views.Count} of {2 * pairs} OnCompleted callbacks ran.");
        }

        var wrong = views.Where(v => !v.Expected.Equals(v.Seen)).ToList();
        var unseen = Targets(pairs).Except(views.Select(v => rawTarget(v.Expected)), StringComparer.Ordinal).Count();
        Assert.True(wrongAnswers.Count == 0, $"{wrongAnswers.Count} answers were not their request's: {string.Join(" | ", wrongAnswers.Take(5))}");
        Assert.True(
            wrong.Count == 0 && unseen == 0,
            $"{wrong.Count} of {views.Count} OnCompleted callbacks saw another request or response than their own "
            + $"({wrong.Count(w => IsAwaiting(rawTarget(w.Expected)))} of the awaiting requests', {wrong.Count(w => !IsAwaiting(rawTarget(w.Expected)))} of the synchronous ones'); "
            + $"{unseen} requests had no callback. First: " + string.Join(" | ", wrong.Take(3).Select(w => $"expected {w.Expected}, saw {w.Seen}")));
    }

    /// <summary>
    /// Asserts that there is exactly one access line per request of <paramref name="pairs"/> pairs, each naming its own
    /// request: GET, its target, 200 and its own answer's length (3 or 12 bytes) over <paramref name="gateway"/>.
    /// The failure message counts the lines that carry another request's figures, per handler.
    /// </summary>
    public static void AssertEachLineNamesItsOwnRequest(IReadOnlyList<AccessLine> lines, int pairs, string gateway)
    {
        var report = Check(lines, pairs, gateway);
        Assert.True(report.IsClean, report.ToString());
    }

    /// <summary>Compares the lines with the requests sent; see <see cref="AccessLogReport"/>.</summary>
    public static AccessLogReport Check(IReadOnlyList<AccessLine> lines, int pairs, string gateway)
    {
        var expected = Targets(pairs).ToHashSet(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var report = new AccessLogReport(pairs, lines.Count);
        foreach (var line in lines)
        {
            if (!expected.Contains(line.Target))
            {
                report.Foreign.Add(line);
                continue;
            }

            seen[line.Target] = seen.GetValueOrDefault(line.Target) + 1;
            var awaiting = IsAwaiting(line.Target);
            var right = line.Method == "GET" && line.StatusCode == 200 && line.Bytes == BodyFor(line.Target).Length && line.Gateway == gateway;
            if (awaiting)
            {
                report.AwaitingLines++;
            }
            else
            {
                report.SynchronousLines++;
            }

            if (!right)
            {
                (awaiting ? report.WrongAwaiting : report.WrongSynchronous).Add(line);
            }
        }

        report.Missing.AddRange(expected.Where(t => !seen.ContainsKey(t)).Order(StringComparer.Ordinal));
        report.Duplicated.AddRange(seen.Where(p => p.Value > 1).Select(p => p.Key).Order(StringComparer.Ordinal));
        return report;
    }
}
