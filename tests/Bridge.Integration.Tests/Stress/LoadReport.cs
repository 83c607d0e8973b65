using System.Globalization;
using System.Text;

namespace Bridge.Integration.Tests.Stress;

/// <summary>What a <see cref="CrossTalkLoad"/> run did: per kind, how many requests and how each ended; the rate.</summary>
internal sealed class LoadReport(string gateway, int clients, IReadOnlyDictionary<RequestKind, KindTally> tallies, TimeSpan elapsed)
{
    public IReadOnlyDictionary<RequestKind, KindTally> Tallies { get; } = tallies;

    public TimeSpan Elapsed { get; } = elapsed;

    public long Requests => Tallies.Values.Sum(t => t.Sent);

    public long Mismatched => Tallies.Values.Sum(t => t.Mismatched);

    /// <summary>Failures that are not an expected outcome of their kind (a 502 for a timed-out request, a cut or 502/504 for a timed-out stream).</summary>
    public long UnexpectedFailures => Tallies.Sum(p => p.Value.Failed - ExpectedFailures(p.Key, p.Value));

    public double Rate => Requests / Elapsed.TotalSeconds;

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{gateway}: {Requests} requests from {clients} clients in {Elapsed.TotalSeconds:0.0} s ({Rate:0} requests/s); ");
        text.Append(CultureInfo.InvariantCulture, $"{Mismatched} answers were another request's, {UnexpectedFailures} requests failed unexpectedly.\n");
        text.Append("  kind           sent    right  aborted  mismatch  failed  errors\n");
        foreach (var (kind, tally) in Tallies.OrderBy(p => p.Key))
        {
            var errors = string.Join("; ", tally.Errors.OrderByDescending(e => e.Value).Select(e => $"{e.Key} x{e.Value}"));
            text.Append(CultureInfo.InvariantCulture, $"  {kind,-13} {tally.Sent,6} {tally.Right,8} {tally.Aborted,8} {tally.Mismatched,9} {tally.Failed,7}  {errors}\n");
        }

        foreach (var (kind, tally) in Tallies.Where(p => !p.Value.MismatchSamples.IsEmpty))
        {
            text.Append(CultureInfo.InvariantCulture, $"  first mismatches of {kind}: {string.Join(" | ", tally.MismatchSamples.Take(5))}\n");
        }

        return text.ToString();
    }

    // A timed-out request gets Bridge's 504, or nginx's 502 if Bridge cut it; a timed-out stream is cut once started.
    private static long ExpectedFailures(RequestKind kind, KindTally tally) => kind switch
    {
        RequestKind.TimedOut => tally.Errors.GetValueOrDefault("status 502"),
        RequestKind.TimedOutStream => tally.Errors.GetValueOrDefault("cut after the deadline") + tally.Errors.GetValueOrDefault("status 502") + tally.Errors.GetValueOrDefault("status 504"),
        _ => 0,
    };
}
