using System.Diagnostics.CodeAnalysis;

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

    private readonly Dictionary<(EchoApp App, string Role), EchoProcess> _byRole = [];
    private EchoGroup? _echoes;
    private LocalNginxProcess? _nginx;

    /// <summary>Talks to nginx over loopback; no cookies, no redirects, so every header is seen as sent.</summary>
    public HttpClient Client { get; } = FrontEndClient.Create(timeout: TimeSpan.FromSeconds(90), pooledConnectionIdleTimeout: TimeSpan.FromSeconds(30));

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

    public Task InitializeAsync() => FixtureStart.RunAsync(StartAsync, DisposeAsync);

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_nginx is not null)
        {
            await _nginx.DisposeAsync(); // first, so nothing new reaches Echo while it drains
            _nginx = null;
        }

        _byRole.Clear();
        if (_echoes is { } echoes)
        {
            _echoes = null;
            await echoes.DisposeAsync();
        }
    }

    private async Task StartAsync()
    {
        LocalNginxProcess.FindExecutable(); // fail first, and clearly, when nginx is not installed
        var echoes = _echoes = new EchoGroup("bridge-sockets-");
        var starts = new List<Task>();
        foreach (var app in Enum.GetValues<EchoApp>())
        {
            starts.Add(StartEcho(app, "uwsgi", "uwsgi"));
            starts.Add(StartEcho(app, "fastcgi", "fastcgi"));
            starts.Add(StartEcho(app, "forbidden", "uwsgi", "--socket-mode", "0600"));
            starts.Add(StartEcho(app, "group", "auto"));
        }

        var kestrel = EchoProcess.StartOnKestrelAsync(echoes.SocketPath("kestrel"));
        starts.Add(kestrel.ContinueWith(t => echoes.Add(t.Result), TaskScheduler.Default)); // disposed with the others if a start fails
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

    private EchoProcess Echo(EchoApp app, string role) => _byRole[(app, role)];

    // One socket per app and role: native-uwsgi.sock, aspnetcore-forbidden.sock, ...
    private async Task StartEcho(EchoApp app, string role, string protocol, params string[] extraArguments)
    {
        var echo = await _echoes!.StartAsync(app, $"{app.ToString().ToLowerInvariant()}-{role}", protocol, extraArguments);
        lock (_byRole)
        {
            _byRole[(app, role)] = echo;
        }
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
