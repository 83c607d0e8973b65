namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// The Echo processes a fixture starts, on Unix sockets in one folder of their own: stopped together (SIGTERM, all at
/// once), each held to the Echo contract on the way (exit code 0, socket file removed), then the folder removed.
/// </summary>
internal sealed class EchoGroup : IAsyncDisposable
{
    private readonly List<EchoProcess> _echoes = [];

    /// <param name="folderPrefix">The socket folder's name prefix under the temp folder.</param>
    public EchoGroup(string folderPrefix)
    {
        SocketFolder = TempDirectory.Create(folderPrefix);
    }

    /// <summary>The folder the sockets are in (nginx's workers may traverse it).</summary>
    public string SocketFolder { get; }

    /// <summary>SocketFolder/<paramref name="name"/>.sock.</summary>
    public string SocketPath(string name) => Path.Combine(SocketFolder, name + ".sock");

    /// <summary>Starts <paramref name="app"/> on <see cref="SocketPath"/>(<paramref name="name"/>), as <see cref="EchoProcess"/> starts it.</summary>
    public async Task<EchoProcess> StartAsync(EchoApp app, string name, string protocol, params string[] extraArguments) =>
        Add(await EchoProcess.StartAsync(app, SocketPath(name), protocol, extraArguments));

    /// <summary>Takes <paramref name="echo"/>, started elsewhere, into the group: it is stopped with the others.</summary>
    public EchoProcess Add(EchoProcess echo)
    {
        lock (_echoes)
        {
            _echoes.Add(echo);
        }

        return echo;
    }

    /// <summary>Stops every Echo, removes the folder, and throws with what broke the Echo contract, if anything did.</summary>
    public async ValueTask DisposeAsync()
    {
        List<EchoProcess> echoes;
        lock (_echoes)
        {
            echoes = [.. _echoes];
            _echoes.Clear();
        }

        var problems = (await Task.WhenAll(echoes.Select(e => e.StopAsync()))).SelectMany(p => p).ToList();
        foreach (var echo in echoes)
        {
            await echo.DisposeAsync(); // already stopped: only releases the process
        }

        TempDirectory.Delete(SocketFolder);
        if (problems.Count > 0)
        {
            var message = "An Echo app broke its shutdown contract:\n" + string.Join('\n', problems);
            throw new InvalidOperationException(CleanupReport.Write($"Echo group {SocketFolder}", message));
        }
    }
}
