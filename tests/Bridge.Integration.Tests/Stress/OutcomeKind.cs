namespace Bridge.Integration.Tests.Stress;

/// <summary>See <see cref="KindTally"/>.</summary>
internal enum OutcomeKind
{
    Right,
    Aborted,
    Mismatch,
    Failed,
}
