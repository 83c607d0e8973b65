namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// The nginx installed on this machine, run in the foreground (<c>daemon off;</c>) as a child process on a private
/// prefix: <c>nginx -p PREFIX -c PREFIX/nginx.conf</c> (a <see cref="TemplatedServer"/>). As root, the config says
/// <c>user www-data;</c> so the workers drop privileges as in production. A Debian nginx may also be running on port
/// 80: it is never touched, only the PID started here is signalled.
/// </summary>
internal sealed class LocalNginxProcess : INginxFrontEnd
{
    private const string InstallHint =
        "nginx is not installed, and the integration tests run a real nginx in front of Bridge. Install it with "
        + "`apt-get update && apt-get install -y nginx-light` (Debian/Ubuntu), or run tests/run-tests.sh, which installs it.";

    private readonly TemplatedServer _server = new("nginx", Posix.SigQuit); // SIGQUIT: graceful, finish what is in flight, then exit

    private string ErrorLogPath => Path.Combine(_server.Prefix, "error.log");

    public string ErrorLog => LogFile.Read(ErrorLogPath);

    public string AccessLog => LogFile.Read(Path.Combine(_server.Prefix, "access.log"));

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
        var executable = FindExecutable();
        NginxTemplate.CreateTempFolders(_server.Prefix);
        var all = new Dictionary<string, string>(values, StringComparer.Ordinal)
        {
            ["USER_DIRECTIVE"] = Posix.IsRoot ? "user www-data;" : "", // workers drop to www-data, as in production
        };
        await _server.StartAsync(
            executable,
            config => ["-p", _server.Prefix + "/", "-c", config, "-e", ErrorLogPath],
            template,
            "nginx.conf",
            all,
            process => $"Output:\n{process.Output}\nError log ({ErrorLogPath}):\n{ErrorLog}",
            _ => ErrorLog.Contains("Address already in use", StringComparison.Ordinal));
    }

    public int Port(string portName) => _server.Port(portName);

    public Uri BaseAddress(string portName) => new($"http://127.0.0.1:{Port(portName)}");

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
