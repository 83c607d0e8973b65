namespace Bridge.Integration.Tests.Stress;

/// <summary>How one request of the cross-talk load ended; <see cref="Detail"/> says what went wrong, if anything.</summary>
internal readonly record struct Outcome(OutcomeKind Kind, string Detail)
{
    public static readonly Outcome Right = new(OutcomeKind.Right, "");

    public static readonly Outcome Aborted = new(OutcomeKind.Aborted, "");

    public static Outcome Mismatch(string detail) => new(OutcomeKind.Mismatch, detail);

    public static Outcome Failed(string detail) => new(OutcomeKind.Failed, detail);
}
