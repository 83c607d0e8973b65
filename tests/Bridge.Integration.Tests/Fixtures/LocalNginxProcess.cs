using System.Net.Sockets;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// The nginx installed on this machine, run in the foreground (<c>daemon off;</c>) as a child process on a private
/// prefix: <c>nginx -p PREFIX -c PREFIX/nginx.conf</c>. As root, the config says <c>user www-data;</c> so the workers
/// drop privileges as in production. A Debian nginx may also be running on port 80: it is never touched, only the
/// PID started here is signalled.
/// </summary>
internal sealed class LocalNginxProcess : INginxFrontEnd
{
    private const string InstallHint =
        "nginx is not installed, and the integration tests run a real nginx in front of Bridge. Install it with "
        + "`apt-get update && apt-get install -y nginx-light` (Debian/Ubuntu), or run tests/run-tests.sh, which installs it.";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private static readonly string[] TempFolders = ["body", "proxy", "fastcgi", "uwsgi", "scgi"];

    private readonly string _prefix = TempDirectory.Create("bridge-nginx-");
    private readonly Dictionary<string, int> _ports = new(StringComparer.Ordinal);
    private ChildProcess? _process;

    private string ErrorLogPath => Path.Combine(_prefix, "error.log");

    public string ErrorLog => ReadShared(ErrorLogPath);

    public string AccessLog => ReadShared(Path.Combine(_prefix, "access.log"));

    /// <summary>/usr/sbin/nginx, else nginx on PATH; else fails saying how to install it.</summary>
    public static string FindExecutable()
    {
        const string Debian = "/usr/sbin/nginx";
        if (File.Exists(Debian))
        {
            return Debian;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, "nginx");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(InstallHint);
    }

    public async Task StartAsync(string templateName, IReadOnlyDictionary<string, string> values) =>
        await StartTemplateTextAsync(await File.ReadAllTextAsync(Repository.NginxTemplate(templateName)), values);

    /// <summary>As <see cref="StartAsync"/>, with the template's text given (a test composes it, e.g. around a shipped config).</summary>
    public async Task StartTemplateTextAsync(string template, IReadOnlyDictionary<string, string> values)
    {
        if (_process is not null)
        {
            throw new InvalidOperationException("nginx is already running.");
        }

        var executable = FindExecutable();
        var tmp = TempDirectory.CreateChild(_prefix, "tmp");
        foreach (var folder in TempFolders)
        {
            TempDirectory.CreateChild(tmp, folder);
        }

        // A port picked free may be taken again before nginx binds it: try again with new ports.
        for (var attempt = 1; ; attempt++)
        {
            var configPath = Render(template, values);
            _process = ChildProcess.Start(executable, ["-p", _prefix + "/", "-c", configPath, "-e", ErrorLogPath], _prefix);
            try
            {
                await WaitUntilListeningAsync(_process);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && ErrorLog.Contains("Address already in use", StringComparison.Ordinal))
            {
                await StopAsync();
            }
        }
    }

    public int Port(string portName) =>
        _ports.TryGetValue(portName, out var port) ? port : throw new ArgumentException($"The template has no {{{{{portName}}}}}.", nameof(portName));

    public Uri BaseAddress(string portName) => new($"http://127.0.0.1:{Port(portName)}");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            TempDirectory.Delete(_prefix);
        }
    }

    private string Render(string template, IReadOnlyDictionary<string, string> values)
    {
        var names = NginxTemplate.PortNames(template);
        var ports = FreePorts.Take(names.Count);
        var all = new Dictionary<string, string>(values, StringComparer.Ordinal)
        {
            ["PREFIX"] = _prefix,
            ["USER_DIRECTIVE"] = Posix.IsRoot ? "user www-data;" : "", // workers drop to www-data, as in production
        };
        _ports.Clear();
        for (var i = 0; i < names.Count; i++)
        {
            _ports[names[i]] = ports[i];
            all[names[i]] = ports[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var configPath = Path.Combine(_prefix, "nginx.conf");
        File.WriteAllText(configPath, NginxTemplate.Render(template, all));
        return configPath;
    }

    private async Task WaitUntilListeningAsync(ChildProcess process)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        foreach (var port in _ports.Values)
        {
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"nginx exited with code {process.ExitCode} while starting.\n{Describe(process)}");
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"nginx did not accept connections on 127.0.0.1:{port} within {StartTimeout.TotalSeconds} s.\n{Describe(process)}");
                }

                using var probe = new TcpClient();
                try
                {
                    await probe.ConnectAsync(System.Net.IPAddress.Loopback, port);
                    break;
                }
                catch (SocketException)
                {
                    await Task.Delay(50);
                }
            }
        }
    }

    private async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        using (process)
        {
            process.Signal(Posix.SigQuit); // graceful: finish what is in flight, then exit
            if (!await process.WaitForExitAsync(StopTimeout))
            {
                process.KillTree();
            }
        }
    }

    private string Describe(ChildProcess process) =>
        $"Command: {process.CommandLine}\nOutput:\n{process.Output}\nError log ({ErrorLogPath}):\n{ErrorLog}";

    private static string ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
