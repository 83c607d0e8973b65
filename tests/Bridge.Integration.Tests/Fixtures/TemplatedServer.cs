using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// A front web server on this machine (nginx, Apache, lighttpd, uWSGI's HTTP router) run in the foreground as a child
/// process, from a config rendered from a template into a private prefix folder: <c>{{PREFIX}}</c> is that folder, and
/// every <c>{{NAME_PORT}}</c> a free loopback port (<see cref="NginxTemplate"/>). Started once every port accepts
/// connections; stopped through its own PID only (its stop signal, then a kill of its own process tree).
/// </summary>
internal sealed class TemplatedServer : IAsyncDisposable
{
    private const int StartAttempts = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly string _name;
    private readonly int _stopSignal;
    private readonly Dictionary<string, int> _ports = new(StringComparer.Ordinal);

    /// <param name="name">The server's name, for the prefix folder and the messages.</param>
    /// <param name="stopSignal">The signal that makes it finish what is in flight and exit.</param>
    public TemplatedServer(string name, int stopSignal)
    {
        _name = name;
        _stopSignal = stopSignal;
        Prefix = TempDirectory.Create("bridge-" + name + "-");
    }

    /// <summary>The server's private folder, <c>{{PREFIX}}</c>: its config, logs and temp files; removed on dispose.</summary>
    public string Prefix { get; }

    /// <summary>The running server; null before it starts and once it has stopped.</summary>
    public ChildProcess? Process { get; private set; }

    public int Port(string portName) =>
        _ports.TryGetValue(portName, out var port) ? port : throw new ArgumentException($"{_name}'s template has no {{{{{portName}}}}}.", nameof(portName));

    /// <summary>
    /// Renders <paramref name="template"/> with <paramref name="values"/> into PREFIX/<paramref name="configName"/>, runs
    /// <paramref name="executable"/> with <paramref name="arguments"/> (given the config's path) and returns once every
    /// port accepts connections. A port picked free may be taken again before the server binds it: when the start
    /// fails and <paramref name="portTaken"/> says so, it starts again on new ports.
    /// </summary>
    /// <param name="details">What to show of a server that did not start, after its command line (its output, its error log).</param>
    public async Task StartAsync(
        string executable, Func<string, IReadOnlyList<string>> arguments, string template, string configName,
        IReadOnlyDictionary<string, string> values, Func<ChildProcess, string> details, Func<ChildProcess, bool> portTaken)
    {
        if (Process is not null)
        {
            throw new InvalidOperationException($"{_name} is already running.");
        }

        for (var attempt = 1; ; attempt++)
        {
            var process = ChildProcess.Start(executable, arguments(Render(template, configName, values)), Prefix);
            Process = process;
            try
            {
                await WaitUntilListeningAsync(process, details);
                return;
            }
            catch (InvalidOperationException) when (attempt < StartAttempts && portTaken(process))
            {
                await StopAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            TempDirectory.Delete(Prefix);
        }
    }

    private string Render(string template, string configName, IReadOnlyDictionary<string, string> values)
    {
        var names = NginxTemplate.PortNames(template);
        var ports = FreePorts.Take(names.Count);
        var all = new Dictionary<string, string>(values, StringComparer.Ordinal) { ["PREFIX"] = Prefix };
        _ports.Clear();
        for (var i = 0; i < names.Count; i++)
        {
            _ports[names[i]] = ports[i];
            all[names[i]] = ports[i].ToString(CultureInfo.InvariantCulture);
        }

        var path = Path.Combine(Prefix, configName);
        File.WriteAllText(path, NginxTemplate.Render(template, all));
        return path;
    }

    private async Task WaitUntilListeningAsync(ChildProcess process, Func<ChildProcess, string> details)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        foreach (var port in _ports.Values)
        {
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"{_name} exited with code {process.ExitCode} while starting.\nCommand: {process.CommandLine}\n{details(process)}");
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"{_name} did not accept connections on 127.0.0.1:{port} within {StartTimeout.TotalSeconds} s.\nCommand: {process.CommandLine}\n{details(process)}");
                }

                using var probe = new TcpClient();
                try
                {
                    await probe.ConnectAsync(IPAddress.Loopback, port);
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
        if (Process is not { } process)
        {
            return;
        }

        Process = null;
        using (process)
        {
            process.Signal(_stopSignal);
            if (!await process.WaitForExitAsync(StopTimeout))
            {
                process.KillTree();
            }
        }
    }
}
