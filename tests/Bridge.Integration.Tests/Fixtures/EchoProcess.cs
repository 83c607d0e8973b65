namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// The Echo sample started exactly as a user would: <c>dotnet Bridge.Samples.Echo.dll --listen unix:PATH --protocol P
/// --socket-group www-data --access-log off</c>. Stopping it checks the Echo contract: SIGTERM makes it exit 0 and
/// remove its socket file.
/// </summary>
internal sealed class EchoProcess : IAsyncDisposable
{
    /// <summary>What Bridge logs (at Debug, category Bridge.Server.Application) when a request's abort cancelled the app.</summary>
    public const string CancelledLine = "was cancelled because it was aborted.";

    /// <summary>What Bridge logs (at Error) when the app threw.</summary>
    public const string FailedLine = "the application failed.";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private readonly ChildProcess _process;
    private bool _stopped;

    private EchoProcess(ChildProcess process, string socketPath)
    {
        _process = process;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    public int ProcessId => _process.Id;

    /// <summary>Echo's stderr and stdout so far.</summary>
    public string Log => _process.Output;

    public int CountInLog(string text) => _process.CountInOutput(text);

    /// <param name="socketPath">The Unix socket to listen on (its folder must exist).</param>
    /// <param name="protocol">uwsgi, fastcgi or auto.</param>
    /// <param name="extraArguments">More options, e.g. <c>--socket-mode 0600</c>.</param>
    public static async Task<EchoProcess> StartAsync(string socketPath, string protocol, params string[] extraArguments)
    {
        var assembly = Repository.EchoAssembly;
        if (!File.Exists(assembly))
        {
            throw new InvalidOperationException($"{assembly} is missing: build the solution ({Repository.Configuration}) first; this project builds Echo through its ProjectReference.");
        }

        List<string> arguments = [assembly, "--listen", "unix:" + socketPath, "--protocol", protocol, "--access-log", "off"];
        if (Posix.IsRoot)
        {
            arguments.AddRange(["--socket-group", "www-data"]); // nginx's workers run as www-data (only root may pick any group)
        }

        arguments.AddRange(extraArguments);
        arguments.Add("--Logging:LogLevel:Bridge.Server.Application=Debug"); // logs each cancelled request (CancelledLine)
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var echo = new EchoProcess(ChildProcess.Start(dotnet, arguments, Path.GetDirectoryName(socketPath)!), socketPath);
        try
        {
            await echo.WaitUntilListeningAsync();
            return echo;
        }
        catch
        {
            echo._process.Dispose();
            throw;
        }
    }

    /// <summary>SIGTERM, then the Echo contract: exit code 0 and the socket file gone. Returns what went wrong, if anything.</summary>
    public async Task<IReadOnlyList<string>> StopAsync()
    {
        if (_stopped)
        {
            return [];
        }

        _stopped = true;
        var problems = new List<string>();
        _process.Signal(Posix.SigTerm);
        if (!await _process.WaitForExitAsync(StopTimeout))
        {
            problems.Add($"Echo ({SocketPath}) did not exit within {StopTimeout.TotalSeconds} s of SIGTERM; killed.");
            _process.KillTree();
        }
        else if (_process.ExitCode != 0)
        {
            problems.Add($"Echo ({SocketPath}) exited with code {_process.ExitCode} after SIGTERM, not 0.");
        }

        if (File.Exists(SocketPath))
        {
            problems.Add($"Echo left its socket file {SocketPath} behind.");
        }

        if (problems.Count > 0)
        {
            problems.Add("Echo's log:\n" + Log);
        }

        return problems;
    }

    public async ValueTask DisposeAsync()
    {
        var problems = await StopAsync();
        _process.Dispose();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join('\n', problems));
        }
    }

    private async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        var listening = "Listening on unix:" + SocketPath;
        while (!(File.Exists(SocketPath) && Log.Contains(listening, StringComparison.Ordinal)))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Echo exited with code {_process.ExitCode} while starting.\nCommand: {_process.CommandLine}\n{Log}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"Echo did not listen on {SocketPath} within {StartTimeout.TotalSeconds} s.\nCommand: {_process.CommandLine}\n{Log}");
            }

            await Task.Delay(50);
        }
    }
}
