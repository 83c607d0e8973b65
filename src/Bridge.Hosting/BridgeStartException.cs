namespace Bridge.Hosting;

/// <summary>
/// Bridge cannot start as configured here: an option is wrong or unknown, or the machine refuses a listener (the
/// socket's directory is missing or not writable, the address is in use). The message says what to change, one
/// line per problem. Left unhandled, the process prints that message once, without a stack trace, and exits 1
/// (see <see cref="StartFailure"/>), as <c>dotnet-bridge</c> does for its own options.
/// </summary>
public sealed class BridgeStartException : Exception
{
    /// <summary>Creates the exception for <paramref name="failures"/>, one line each.</summary>
    public BridgeStartException(IReadOnlyList<string> failures, Exception? innerException = null)
        : base(string.Join('\n', failures ?? throw new ArgumentNullException(nameof(failures))), innerException)
    {
        Failures = failures;
    }

    /// <summary>Creates the exception for one problem.</summary>
    public BridgeStartException(string message)
        : this([message])
    {
    }

    /// <summary>Creates the exception for one problem, caused by <paramref name="innerException"/>.</summary>
    public BridgeStartException(string message, Exception? innerException)
        : this([message], innerException)
    {
    }

    /// <summary>Creates the exception with no detail (prefer the constructors that say what to fix).</summary>
    public BridgeStartException()
        : this("Bridge cannot start.")
    {
    }

    /// <summary>Every problem found, each saying what to change.</summary>
    public IReadOnlyList<string> Failures { get; }

    /// <summary>True once the host has logged it ("Hosting failed to start"), so it is not printed twice.</summary>
    internal bool Logged { get; set; }

    /// <summary>The message alone: a start failure is a configuration to fix, and its stack trace says nothing to an operator.</summary>
    public override string ToString() => Message;
}
