namespace Bridge.Integration.Tests.Fixtures;

/// <summary>A fixture's start: what a failed start had already started is stopped before the failure is reported.</summary>
internal static class FixtureStart
{
    /// <summary>
    /// Runs <paramref name="start"/>; when it fails, runs <paramref name="cleanUp"/> and rethrows the start's failure,
    /// or both failures when the clean-up found a broken contract too (an Echo app that did not stop as it must).
    /// </summary>
    public static async Task RunAsync(Func<Task> start, Func<Task> cleanUp)
    {
        try
        {
            await start();
        }
        catch (Exception startFailure)
        {
            try
            {
                await cleanUp();
            }
            catch (InvalidOperationException cleanupFailure)
            {
                throw new AggregateException(startFailure, cleanupFailure);
            }

            throw;
        }
    }
}
