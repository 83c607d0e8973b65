namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// What a fixture's clean-up found wrong, written where tests/run-tests.sh prints it. xunit reports a collection
/// fixture's failed clean-up as "[Test Collection Cleanup Failure (NAME)] TYPE" with no message at the console
/// logger's default verbosity, so the message would be lost to CI; run-tests.sh sets BRIDGE_TEST_REPORTS to an empty
/// folder, and prints every file in it after the run.
/// </summary>
internal static class CleanupReport
{
    /// <summary>Writes <paramref name="text"/> as one report when BRIDGE_TEST_REPORTS names a folder; returns it.</summary>
    public static string Write(string title, string text)
    {
        if (Environment.GetEnvironmentVariable("BRIDGE_TEST_REPORTS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            var name = $"{DateTime.UtcNow:HHmmss.fff}-{Environment.ProcessId}-{Guid.NewGuid():N}.txt";
            File.WriteAllText(Path.Combine(folder, name), title + "\n" + text + "\n");
        }

        return text;
    }
}
