using System.Collections.Concurrent;

namespace Bridge.Integration.Tests.Stress;

/// <summary>The outcomes of one <see cref="RequestKind"/>: counts, and the errors and mismatches by description.</summary>
internal sealed class KindTally
{
    private long _sent;
    private long _right;
    private long _aborted;
    private long _mismatched;
    private long _failed;

    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Answered with exactly what was asked (a 504 for a timed-out request).</summary>
    public long Right => Interlocked.Read(ref _right);

    /// <summary>Given up by the client before a whole answer, with nothing wrong in what had arrived.</summary>
    public long Aborted => Interlocked.Read(ref _aborted);

    /// <summary>Answered with something that was not this request's answer: never acceptable.</summary>
    public long Mismatched => Interlocked.Read(ref _mismatched);

    /// <summary>Not answered as asked, without another request's data: an error status, a reset, a timeout.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Error descriptions (status or exception type) and how often each came.</summary>
    public ConcurrentDictionary<string, int> Errors { get; } = new(StringComparer.Ordinal);

    /// <summary>The first mismatches, described.</summary>
    public ConcurrentQueue<string> MismatchSamples { get; } = new();

    public void Record(Outcome outcome)
    {
        Interlocked.Increment(ref _sent);
        switch (outcome.Kind)
        {
            case OutcomeKind.Right:
                Interlocked.Increment(ref _right);
                break;
            case OutcomeKind.Aborted:
                Interlocked.Increment(ref _aborted);
                break;
            case OutcomeKind.Mismatch:
                Interlocked.Increment(ref _mismatched);
                if (MismatchSamples.Count < 20)
                {
                    MismatchSamples.Enqueue(outcome.Detail);
                }

                break;
            default:
                Interlocked.Increment(ref _failed);
                Errors.AddOrUpdate(outcome.Detail, 1, static (_, n) => n + 1);
                break;
        }
    }
}
