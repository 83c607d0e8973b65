using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net.Sockets;
using Bridge.Testing.FrontEnd;
using Bridge.Testing.WebSockets;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// nginx (nginx/templates/websocket.conf.template) in front of the native Echo and the ASP.NET Core sample on Bridge,
/// each one process on one socket (protocol auto) reached through uwsgi_pass and fastcgi_pass, both with a short
/// <c>Limits:ShutdownTimeout</c> (so a stop's 1001 comes soon); and the sample on Kestrel behind proxy_pass with the
/// upgrade headers. A test may stop an app (SIGTERM) and start it again on the same socket (<see cref="RestartAsync"/>).
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "xunit disposes a fixture through IAsyncLifetime.DisposeAsync.")]
public sealed class WebSocketsBehindNginx : IAsyncLifetime
{
    /// <summary>The apps' Limits:ShutdownTimeout: their 1001 goes out min(5 s, half of it) before its end.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(4);

    private readonly Dictionary<EchoApp, EchoProcess> _apps = [];
    private string? _folder;
    private LocalNginxProcess? _nginx;
    private EchoProcess? _kestrel;

    internal LocalNginxProcess Nginx => _nginx ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        try
        {
            LocalNginxProcess.FindExecutable();
            _folder = TempDirectory.Create("bridge-ws-");
            var native = StartAppAsync(EchoApp.Native);
            var aspNet = StartAppAsync(EchoApp.AspNetCore);
            var kestrel = EchoProcess.StartOnKestrelAsync(Path.Combine(_folder, "kestrel.sock"));
            await Task.WhenAll(native, aspNet, kestrel);
            _apps[EchoApp.Native] = native.Result;
            _apps[EchoApp.AspNetCore] = aspNet.Result;
            _kestrel = kestrel.Result;
            _nginx = new LocalNginxProcess();
            await _nginx.StartAsync("websocket.conf.template", new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["ECHO_SOCKET"] = SocketPath(EchoApp.Native),
                ["ASPNET_SOCKET"] = SocketPath(EchoApp.AspNetCore),
                ["KESTREL_SOCKET"] = _kestrel.SocketPath,
            });
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_nginx is not null)
        {
            await _nginx.DisposeAsync();
            _nginx = null;
        }

        var problems = new List<string>();
        foreach (var app in _apps.Values.Append(_kestrel).OfType<EchoProcess>())
        {
            problems.AddRange(await app.StopAsync());
            await app.DisposeAsync();
        }

        _apps.Clear();
        _kestrel = null;
        if (_folder is not null)
        {
            TempDirectory.Delete(_folder);
            _folder = null;
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join('\n', problems));
        }
    }

    internal EchoProcess App(EchoApp app) => _apps[app];

    /// <summary>The port nginx passes to <paramref name="app"/> with uwsgi_pass (or, with <paramref name="fastCgi"/>, fastcgi_pass).</summary>
    public int Port(EchoApp app, bool fastCgi = false)
        => Nginx.Port((app == EchoApp.Native ? "ECHO" : "ASPNET") + (fastCgi ? "_FASTCGI_PORT" : "_PORT"));

    public int KestrelPort => Nginx.Port("KESTREL_PORT");

    public Uri BaseAddress(EchoApp app) => new($"http://127.0.0.1:{Port(app)}");

    /// <summary>A WebSocket to <paramref name="path"/> through nginx; the handshake (Sec-WebSocket-Accept) checked.</summary>
    public static async Task<RawWebSocket> OpenAsync(int port, string path = "/ws")
    {
        var socket = await Wire.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
        try
        {
            return await RawWebSocket.ConnectAsync(socket, "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), path);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts <paramref name="app"/> again on its socket after a test stopped it.</summary>
    internal async Task RestartAsync(EchoApp app)
    {
        await _apps[app].DisposeAsync();
        _apps[app] = await StartAppAsync(app);
    }

    /// <summary>Sockets the process has open (its listener and every connection): what a closed WebSocket must give back.</summary>
    public static int OpenSockets(int pid)
    {
        var count = 0;
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true)
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // Closed while listed.
            }
        }

        return count;
    }

    /// <summary>A line of /proc/PID/status as a number (Threads, VmRSS in kB).</summary>
    public static long Status(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no {field}.");
    }

    private string SocketPath(EchoApp app) => Path.Combine(_folder!, app == EchoApp.Native ? "echo.sock" : "aspnet.sock");

    private Task<EchoProcess> StartAppAsync(EchoApp app)
        => EchoProcess.StartAsync(app, SocketPath(app), "auto", "--Bridge:Limits:ShutdownTimeout=" + ShutdownTimeout.ToString("c", CultureInfo.InvariantCulture));
}
