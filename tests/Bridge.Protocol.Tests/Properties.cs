using FsCheck;
using FsCheck.Fluent;

namespace Bridge.Protocol.Tests;

/// <summary>How property tests run here: at least 1,000 cases, failing the test with the counterexample.</summary>
internal static class Properties
{
    public const int Cases = 1000;

    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(Cases);

    public static void Check<T>(Gen<T> gen, Action<T> property) => FsCheck.Check.One(Config, Prop.ForAll(gen.ToArbitrary(), property));
}
