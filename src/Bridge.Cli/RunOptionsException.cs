namespace Bridge.Cli;

/// <summary>The command line, environment or config file of <c>dotnet-bridge run</c> is wrong; the message says how.</summary>
internal sealed class RunOptionsException(string message) : Exception(message);
