using System.Diagnostics.CodeAnalysis;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// Each Echo app (native and ASP.NET Core) once, on a Unix socket with <c>--protocol auto</c> and its access log on,
/// behind every front end besides nginx that the README names, each started from its template in tests/front-ends/:
/// Apache (mod_proxy_uwsgi and mod_proxy_fcgi), lighttpd (mod_fastcgi at "/"), uWSGI's HTTP router; and libfcgi's
/// cgi-fcgi, run per request (<see cref="CgiFcgi"/>).
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "xunit disposes a fixture through IAsyncLifetime.DisposeAsync.")]
public sealed class OtherFrontEnds : IAsyncLifetime
{
    private readonly Dictionary<EchoApp, EchoProcess> _echoes = [];
    private readonly Dictionary<EchoApp, FrontEndProcess> _routers = [];
    private EchoGroup? _echoGroup;
    private FrontEndProcess? _apache;
    private FrontEndProcess? _lighttpd;

    /// <summary>No cookies, no redirects, a new connection per request: every header is seen as sent.</summary>
    /// <remarks>
    /// uWSGI's router closes the client connection after every response without a "Connection: close": a pooled
    /// connection reused after that meets a reset. Keep-alive itself is tested on raw sockets (FrontEndFeatureTests).
    /// The router also resets a few fresh connections in a thousand, whatever the app behind it: GET and HEAD to it are
    /// sent once more then (<see cref="RouterResetRetry"/>).
    /// </remarks>
    public HttpClient Client { get; }

    public OtherFrontEnds()
    {
        Client = FrontEndClient.Create(
            timeout: TimeSpan.FromSeconds(60), pooledConnectionIdleTimeout: TimeSpan.FromSeconds(5), connectionClose: true,
            wrap: inner => new RouterResetRetry(IsRouter, inner));
    }

    public static TheoryData<OtherFrontEnd, EchoApp> Every
    {
        get
        {
            var data = new TheoryData<OtherFrontEnd, EchoApp>();
            foreach (var front in Enum.GetValues<OtherFrontEnd>())
            {
                foreach (var app in Enum.GetValues<EchoApp>())
                {
                    data.Add(front, app);
                }
            }

            return data;
        }
    }

    public int Port(OtherFrontEnd front, EchoApp app) => front switch
    {
        OtherFrontEnd.ApacheUwsgi => Apache.Port(Prefix(app) + "_UWSGI_PORT"),
        OtherFrontEnd.ApacheFastCgi => Apache.Port(Prefix(app) + "_FASTCGI_PORT"),
        OtherFrontEnd.Lighttpd => Started(_lighttpd).Port(Prefix(app) + "_PORT"),
        OtherFrontEnd.UwsgiRouter => _routers[app].Port("HTTP_PORT"),
        _ => throw new ArgumentOutOfRangeException(nameof(front)),
    };

    private bool IsRouter(Uri uri) => _routers.Values.Any(router => router.Port("HTTP_PORT") == uri.Port);

    public Uri BaseAddress(OtherFrontEnd front, EchoApp app) => new($"http://127.0.0.1:{Port(front, app)}");

    public Uri Url(OtherFrontEnd front, EchoApp app, string pathAndQuery) => new(BaseAddress(front, app), pathAndQuery);

    /// <summary>The Unix socket the app listens on (for cgi-fcgi).</summary>
    public string SocketPath(EchoApp app) => _echoes[app].SocketPath;

    internal EchoProcess Echo(EchoApp app) => _echoes[app];

    /// <summary>The front end's own output and error log, for failure messages.</summary>
    public string Log(OtherFrontEnd front, EchoApp app) => front switch
    {
        OtherFrontEnd.ApacheUwsgi or OtherFrontEnd.ApacheFastCgi => Apache.Log,
        OtherFrontEnd.Lighttpd => Started(_lighttpd).Log,
        _ => _routers[app].Log,
    };

    private FrontEndProcess Apache => Started(_apache);

    public Task InitializeAsync() => FixtureStart.RunAsync(StartAsync, DisposeAsync);

    public async Task DisposeAsync()
    {
        Client.Dispose();
        var fronts = new List<FrontEndProcess?> { _apache, _lighttpd };
        fronts.AddRange(_routers.Values);
        foreach (var front in fronts)
        {
            if (front is not null)
            {
                await front.DisposeAsync(); // first, so nothing new reaches Echo while it drains
            }
        }

        _apache = _lighttpd = null;
        _routers.Clear();
        _echoes.Clear();
        if (_echoGroup is { } echoes)
        {
            _echoGroup = null;
            await echoes.DisposeAsync();
        }
    }

    private async Task StartAsync()
    {
        var apache = FrontEndProcess.Require("/usr/sbin/apache2", "apache2");
        var lighttpd = FrontEndProcess.Require("/usr/sbin/lighttpd", "lighttpd");
        var uwsgi = FrontEndProcess.Require("/usr/bin/uwsgi", "uwsgi-core");
        FrontEndProcess.Require(CgiFcgi.Executable, "libfcgi-bin");
        _echoGroup = new EchoGroup("bridge-fronts-");
        await Task.WhenAll(Enum.GetValues<EchoApp>().Select(StartEchoAsync));

        var sockets = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["NATIVE_SOCKET"] = _echoes[EchoApp.Native].SocketPath,
            ["ASPNET_SOCKET"] = _echoes[EchoApp.AspNetCore].SocketPath,
        };
        var starts = new List<Task>
        {
            Track(FrontEndProcess.StartAsync(
                "apache", apache, "apache.conf.template", "apache2.conf", config => ["-f", config, "-DFOREGROUND"],
                sockets, "User www-data\nGroup www-data", Posix.SigTerm), f => _apache = f),
            Track(FrontEndProcess.StartAsync(
                "lighttpd", lighttpd, "lighttpd.conf.template", "lighttpd.conf", config => ["-D", "-f", config],
                sockets, "server.username = \"www-data\"\nserver.groupname = \"www-data\"", Posix.SigTerm), f => _lighttpd = f),
        };
        foreach (var app in Enum.GetValues<EchoApp>())
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["SOCKET"] = _echoes[app].SocketPath };
            starts.Add(Track(FrontEndProcess.StartAsync(
                "uwsgi-router", uwsgi, "uwsgi-router.ini.template", "uwsgi-router.ini", config => ["--ini", config],
                values, "uid = www-data\ngid = www-data", Posix.SigInt), f => { lock (_routers) { _routers[app] = f; } }));
        }

        await Task.WhenAll(starts);
    }

    private static async Task Track(Task<FrontEndProcess> start, Action<FrontEndProcess> keep) => keep(await start);

    private async Task StartEchoAsync(EchoApp app)
    {
        var echo = await _echoGroup!.StartAsync(app, $"{app.ToString().ToLowerInvariant()}-auto", "auto", "--access-log", "on");
        lock (_echoes)
        {
            _echoes[app] = echo;
        }
    }

    private static FrontEndProcess Started(FrontEndProcess? front) => front ?? throw new InvalidOperationException("Not started.");

    private static string Prefix(EchoApp app) => app == EchoApp.Native ? "NATIVE" : "ASPNET";
}
