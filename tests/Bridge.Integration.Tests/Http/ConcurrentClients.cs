namespace Bridge.Integration.Tests.Http;

/// <summary>Many clients at once, each sending its requests one after the other: a bounded concurrency run for the tests.</summary>
internal static class ConcurrentClients
{
    /// <summary>
    /// Runs <paramref name="clients"/> clients on the thread pool, each making <paramref name="requestsPerClient"/>
    /// requests (<paramref name="request"/> sends and checks request i of client c); returns how many were made.
    /// </summary>
    public static async Task<int> RunAsync(int clients, int requestsPerClient, Func<int, int, Task> request, CancellationToken cancellationToken)
    {
        async Task<int> ClientAsync(int client)
        {
            for (var i = 0; i < requestsPerClient; i++)
            {
                await request(client, i);
            }

            return requestsPerClient;
        }

        var done = await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => ClientAsync(c)))).WaitAsync(cancellationToken);
        return done.Sum();
    }
}
