using System.Globalization;
using System.Net.Sockets;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// A front end other than nginx (Apache, lighttpd, uWSGI's HTTP router) run in the foreground as a child process on
/// a private prefix, from a template in tests/front-ends/ (<c>{{NAME}}</c> placeholders, a free loopback port for
/// every <c>{{NAME_PORT}}</c>; see <see cref="NginxTemplate"/>). As root, the config drops to www-data as the
/// packaged service does. A system instance of the same server is never touched: only the PID started here is
/// signalled.
/// </summary>
internal sealed class FrontEndProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly string _name;
    private readonly string _prefix;
    private readonly int _stopSignal;
    private readonly Dictionary<string, int> _ports = new(StringComparer.Ordinal);
    private ChildProcess? _process;

    private FrontEndProcess(string name, int stopSignal)
    {
        _name = name;
        _stopSignal = stopSignal;
        _prefix = TempDirectory.Create("bridge-" + name + "-");

        // lighttpd opens its error log after dropping to www-data: the file is made here, writable by it.
        var errorLog = Path.Combine(_prefix, "error.log");
        File.WriteAllText(errorLog, "");
        File.SetUnixFileMode(errorLog, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
    }

    /// <summary>The front end's output and its error log (PREFIX/error.log), for failure messages.</summary>
    public string Log => (_process?.Output ?? "") + ReadShared(Path.Combine(_prefix, "error.log"));

    /// <summary>
    /// Renders tests/front-ends/<paramref name="template"/> into PREFIX/<paramref name="configName"/>, runs
    /// <paramref name="executable"/> with <paramref name="arguments"/> (given the config's path) and returns once every
    /// port accepts connections.
    /// </summary>
    public static async Task<FrontEndProcess> StartAsync(
        string name, string executable, string template, string configName, Func<string, string[]> arguments,
        IReadOnlyDictionary<string, string> values, string userLines, int stopSignal)
    {
        var front = new FrontEndProcess(name, stopSignal);
        try
        {
            var text = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "tests", "front-ends", template));
            for (var attempt = 1; ; attempt++)
            {
                var config = front.Render(text, configName, values, Posix.IsRoot ? userLines : "");
                front._process = ChildProcess.Start(executable, arguments(config), front._prefix);
                try
                {
                    await front.WaitUntilListeningAsync();
                    return front;
                }
                catch (InvalidOperationException) when (attempt < 3 && front.Log.Contains("in use", StringComparison.OrdinalIgnoreCase))
                {
                    await front.StopAsync(); // a port picked free was taken again before the server bound it
                }
            }
        }
        catch
        {
            await front.DisposeAsync();
            throw;
        }
    }

    /// <summary>The executable at <paramref name="path"/>, or a failure that says how to install it.</summary>
    public static string Require(string path, string package) => File.Exists(path)
        ? path
        : throw new InvalidOperationException(
            $"{path} is missing, and the integration tests run it in front of Bridge. Install it with `apt-get update && apt-get install -y {package}` "
            + "(Debian), or run tests/run-tests.sh, which installs it.");

    public int Port(string portName) =>
        _ports.TryGetValue(portName, out var port) ? port : throw new ArgumentException($"{_name}'s template has no {{{{{portName}}}}}.", nameof(portName));

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

    private string Render(string template, string configName, IReadOnlyDictionary<string, string> values, string userLines)
    {
        var names = NginxTemplate.PortNames(template);
        var ports = FreePorts.Take(names.Count);
        var all = new Dictionary<string, string>(values, StringComparer.Ordinal) { ["PREFIX"] = _prefix, ["USER_LINES"] = userLines };
        _ports.Clear();
        for (var i = 0; i < names.Count; i++)
        {
            _ports[names[i]] = ports[i];
            all[names[i]] = ports[i].ToString(CultureInfo.InvariantCulture);
        }

        var path = Path.Combine(_prefix, configName);
        File.WriteAllText(path, NginxTemplate.Render(template, all));
        return path;
    }

    private async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        foreach (var port in _ports.Values)
        {
            while (true)
            {
                if (_process!.HasExited)
                {
                    throw new InvalidOperationException($"{_name} exited with code {_process.ExitCode} while starting.\nCommand: {_process.CommandLine}\n{Log}");
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"{_name} did not accept connections on 127.0.0.1:{port} within {StartTimeout.TotalSeconds} s.\nCommand: {_process.CommandLine}\n{Log}");
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
            process.Signal(_stopSignal);
            if (!await process.WaitForExitAsync(StopTimeout))
            {
                process.KillTree();
            }
        }
    }

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
