using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// One nginx (nginx/templates/integration.conf.template) in front of four processes of each <see cref="EchoApp"/> on
/// Unix sockets: uwsgi; FastCGI (reached with keep_conn on + upstream keepalive, and with keep_conn off); one with
/// <c>--socket-mode 0600</c> that nginx's workers may not open; one left at the default 0660 + group www-data.
/// And the ASP.NET Core sample once more, on Kestrel behind proxy_pass, for the parity tests.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "xunit disposes a fixture through IAsyncLifetime.DisposeAsync.")]
public sealed class EchoBehindNginx : IAsyncLifetime
{
    /// <summary>The server block that proxies to the ASP.NET Core sample on Kestrel.</summary>
    internal const string KestrelPort = "KESTREL_PORT";

    private const string Template = "integration.conf.template";

    private readonly List<EchoProcess> _echoes = [];
    private readonly Dictionary<(EchoApp App, string Role), EchoProcess> _byRole = [];
    private string? _socketFolder;
    private LocalNginxProcess? _nginx;

    /// <summary>Talks to nginx over loopback; no cookies, no redirects, so every header is seen as sent.</summary>
    public HttpClient Client { get; } = new(new SocketsHttpHandler
    {
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
    })
    {
        Timeout = TimeSpan.FromSeconds(90),
    };

    internal INginxFrontEnd Nginx => _nginx ?? throw new InvalidOperationException("Not started.");

    /// <summary>The ASP.NET Core sample on Kestrel, behind <c>proxy_pass</c> on <see cref="KestrelPort"/>.</summary>
    internal EchoProcess Kestrel { get; private set; } = null!;

    public Uri BaseAddress(EchoApp app, FrontEndMode mode) => Nginx.BaseAddress(PortName(app, mode));

    public int Port(EchoApp app, FrontEndMode mode) => Nginx.Port(PortName(app, mode));

    public Uri Url(EchoApp app, FrontEndMode mode, string pathAndQuery) => new(BaseAddress(app, mode), pathAndQuery);

    /// <summary>The server block of <paramref name="app"/> named <paramref name="portName"/> without its app prefix (FORBIDDEN_PORT, ...).</summary>
    public Uri BaseAddress(EchoApp app, string portName) => Nginx.BaseAddress(Prefix(app) + portName);

    internal EchoProcess EchoBehind(EchoApp app, FrontEndMode mode) => Echo(app, mode.Gateway());

    internal EchoProcess UwsgiEcho(EchoApp app) => Echo(app, "uwsgi");

    internal EchoProcess ForbiddenEcho(EchoApp app) => Echo(app, "forbidden");

    internal EchoProcess GroupEcho(EchoApp app) => Echo(app, "group");

    public async Task InitializeAsync()
    {
        try
        {
            LocalNginxProcess.FindExecutable(); // fail first, and clearly, when nginx is not installed
            _socketFolder = TempDirectory.Create("bridge-sockets-");
            var starts = new List<Task>();
            foreach (var app in Enum.GetValues<EchoApp>())
            {
                starts.Add(StartEcho(app, "uwsgi", "uwsgi"));
                starts.Add(StartEcho(app, "fastcgi", "fastcgi"));
                starts.Add(StartEcho(app, "forbidden", "uwsgi", "--socket-mode", "0600"));
                starts.Add(StartEcho(app, "group", "auto"));
            }

            var kestrel = EchoProcess.StartOnKestrelAsync(Path.Combine(_socketFolder, "kestrel.sock"));
            starts.Add(kestrel.ContinueWith(t => Track(t.Result), TaskScheduler.Default)); // disposed with the others if a start fails
            await Task.WhenAll(starts);
            Kestrel = kestrel.Result;

            var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["KESTREL_SOCKET"] = Kestrel.SocketPath };
            foreach (var ((app, role), echo) in _byRole)
            {
                values[Prefix(app) + role.ToUpperInvariant() + "_SOCKET"] = echo.SocketPath;
            }

            _nginx = new LocalNginxProcess();
            await _nginx.StartAsync(Template, values);
        }
        catch (Exception startFailure)
        {
            try
            {
                await DisposeAsync();
            }
            catch (InvalidOperationException cleanupFailure)
            {
                throw new AggregateException(startFailure, cleanupFailure);
            }

            throw;
        }
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        var problems = new List<string>();
        if (_nginx is not null)
        {
            await _nginx.DisposeAsync(); // first, so nothing new reaches Echo while it drains
            _nginx = null;
        }

        var stops = await Task.WhenAll(_echoes.Select(e => e.StopAsync()));
        problems.AddRange(stops.SelectMany(p => p));
        foreach (var echo in _echoes)
        {
            await echo.DisposeAsync(); // already stopped: only releases the process
        }

        _echoes.Clear();
        _byRole.Clear();
        if (_socketFolder is not null)
        {
            TempDirectory.Delete(_socketFolder);
            _socketFolder = null;
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("An Echo app broke its shutdown contract:\n" + string.Join('\n', problems));
        }
    }

    private EchoProcess Echo(EchoApp app, string role) => _byRole[(app, role)];

    // One socket per app and role: native-uwsgi.sock, aspnetcore-forbidden.sock, ...
    private async Task StartEcho(EchoApp app, string role, string protocol, params string[] extraArguments)
    {
        var socket = Path.Combine(_socketFolder!, $"{app.ToString().ToLowerInvariant()}-{role}.sock");
        var echo = Track(await EchoProcess.StartAsync(app, socket, protocol, extraArguments));
        lock (_echoes)
        {
            _byRole[(app, role)] = echo;
        }
    }

    private EchoProcess Track(EchoProcess echo)
    {
        lock (_echoes)
        {
            _echoes.Add(echo);
        }

        return echo;
    }

    // The native Echo's server blocks keep their names (UWSGI_PORT, ...); the ASP.NET Core sample's are ASPNET_*.
    private static string Prefix(EchoApp app) => app == EchoApp.Native ? "" : "ASPNET_";

    private static string PortName(EchoApp app, FrontEndMode mode) => Prefix(app) + mode switch
    {
        FrontEndMode.Uwsgi => "UWSGI_PORT",
        FrontEndMode.FastCgiKeepAlive => "FASTCGI_KEEPALIVE_PORT",
        FrontEndMode.FastCgi => "FASTCGI_PORT",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };
}
