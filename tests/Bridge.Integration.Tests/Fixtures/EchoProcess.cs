namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// An Echo app started exactly as a user would: <c>dotnet Bridge.Samples.Echo.dll --listen unix:PATH --protocol P
/// --socket-group www-data --access-log off</c> (the ASP.NET Core sample takes the same options), or the ASP.NET Core
/// sample on Kestrel: <c>dotnet Bridge.Samples.AspNetCore.dll --server kestrel --urls http://unix:PATH</c>. Stopping it
/// checks the Echo contract: SIGTERM makes it exit 0 and remove its socket file.
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
    private readonly string _name;
    private bool _stopped;

    private EchoProcess(ChildProcess process, string socketPath, string name)
    {
        _process = process;
        SocketPath = socketPath;
        _name = name;
    }

    public string SocketPath { get; }

    public int ProcessId => _process.Id;

    /// <summary>Echo's stderr and stdout so far.</summary>
    public string Log => _process.Output;

    public int CountInLog(string text) => _process.CountInOutput(text);

    /// <param name="app">Which Echo to run.</param>
    /// <param name="socketPath">The Unix socket to listen on (its folder must exist).</param>
    /// <param name="protocol">uwsgi, fastcgi or auto.</param>
    /// <param name="extraArguments">More options, e.g. <c>--socket-mode 0600</c>.</param>
    public static Task<EchoProcess> StartAsync(EchoApp app, string socketPath, string protocol, params string[] extraArguments)
    {
        List<string> arguments = ["--listen", "unix:" + socketPath, "--protocol", protocol, "--access-log", "off"];
        if (Posix.IsRoot)
        {
            arguments.AddRange(["--socket-group", "www-data"]); // nginx's workers run as www-data (only root may pick any group)
        }

        arguments.AddRange(extraArguments);
        arguments.Add("--Logging:LogLevel:Bridge.Server.Application=Debug"); // logs each cancelled request (CancelledLine)
        var assembly = app == EchoApp.Native ? Repository.EchoAssembly : Repository.AspNetCoreAssembly;
        return StartAsync(assembly, arguments, socketPath, "Listening on unix:" + socketPath);
    }

    /// <summary>
    /// Echo with its file descriptor limit set to <paramref name="descriptorLimit"/> (util-linux's <c>prlimit</c>, as
    /// <c>ulimit -n</c> in a shell would), to run it out of descriptors.
    /// </summary>
    public static Task<EchoProcess> StartWithDescriptorLimitAsync(string socketPath, string protocol, int descriptorLimit)
    {
        List<string> arguments = ["--listen", "unix:" + socketPath, "--protocol", protocol, "--access-log", "off"];
        if (Posix.IsRoot)
        {
            arguments.AddRange(["--socket-group", "www-data"]);
        }

        var limit = descriptorLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return StartAsync(Repository.EchoAssembly, arguments, socketPath, "Listening on unix:" + socketPath, ["prlimit", $"--nofile={limit}:{limit}", "--"]);
    }

    /// <summary>
    /// The ASP.NET Core sample on Kestrel. Kestrel creates its socket with the umask's mode (0755 here), which nginx's
    /// workers may not write to; as a service unit would (ExecStartPost, or UMask=), the socket is then given group
    /// www-data and mode 0660, like Bridge's.
    /// </summary>
    public static async Task<EchoProcess> StartOnKestrelAsync(string socketPath)
    {
        List<string> arguments = ["--server", "kestrel", "--urls", "http://unix:" + socketPath];
        var kestrel = await StartAsync(Repository.AspNetCoreAssembly, arguments, socketPath, "Now listening on: http://unix:" + socketPath);
        if (Posix.IsRoot)
        {
            Posix.ChangeGroup(socketPath, "www-data");
        }

        File.SetUnixFileMode(socketPath, SocketModes.OwnerAndGroup);
        return kestrel;
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
            problems.Add($"{_name} ({SocketPath}) did not exit within {StopTimeout.TotalSeconds} s of SIGTERM; killed.");
            _process.KillTree();
        }
        else if (_process.ExitCode != 0)
        {
            problems.Add($"{_name} ({SocketPath}) exited with code {_process.ExitCode} after SIGTERM, not 0.");
        }

        if (File.Exists(SocketPath))
        {
            problems.Add($"{_name} left its socket file {SocketPath} behind.");
        }

        if (problems.Count > 0)
        {
            problems.Add($"{_name}'s log:\n" + Log);
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

    private static async Task<EchoProcess> StartAsync(string assembly, List<string> arguments, string socketPath, string listening, string[]? wrapper = null)
    {
        if (!File.Exists(assembly))
        {
            throw new InvalidOperationException($"{assembly} is missing: build the solution ({Repository.Configuration}) first; this project builds the samples through its ProjectReferences.");
        }

        arguments.Insert(0, assembly);
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        if (wrapper is [var command, .. var wrapperArguments])
        {
            arguments.Insert(0, dotnet);
            arguments.InsertRange(0, wrapperArguments);
            dotnet = command;
        }

        var echo = new EchoProcess(ChildProcess.Start(dotnet, arguments, Path.GetDirectoryName(socketPath)!), socketPath, Path.GetFileNameWithoutExtension(assembly));
        try
        {
            await echo.WaitUntilListeningAsync(listening);
            return echo;
        }
        catch
        {
            echo._process.Dispose();
            throw;
        }
    }

    private async Task WaitUntilListeningAsync(string listening)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!(File.Exists(SocketPath) && Log.Contains(listening, StringComparison.Ordinal)))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_name} exited with code {_process.ExitCode} while starting.\nCommand: {_process.CommandLine}\n{Log}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{_name} did not listen on {SocketPath} within {StartTimeout.TotalSeconds} s.\nCommand: {_process.CommandLine}\n{Log}");
            }

            await Task.Delay(50);
        }
    }
}
