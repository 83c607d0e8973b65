using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// One nginx (nginx/templates/integration.conf.template) in front of four Echo processes on Unix sockets:
/// uwsgi; FastCGI (reached with keep_conn on + upstream keepalive, and with keep_conn off); one with
/// <c>--socket-mode 0600</c> that nginx's workers may not open; one left at the default 0660 + group www-data.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "xunit disposes a fixture through IAsyncLifetime.DisposeAsync.")]
public sealed class EchoBehindNginx : IAsyncLifetime
{
    private const string Template = "integration.conf.template";

    private readonly List<EchoProcess> _echoes = [];
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

    internal EchoProcess UwsgiEcho { get; private set; } = null!;

    internal EchoProcess FastCgiEcho { get; private set; } = null!;

    internal EchoProcess ForbiddenEcho { get; private set; } = null!;

    internal EchoProcess GroupEcho { get; private set; } = null!;

    public Uri BaseAddress(FrontEndMode mode) => Nginx.BaseAddress(PortName(mode));

    public int Port(FrontEndMode mode) => Nginx.Port(PortName(mode));

    public Uri Url(FrontEndMode mode, string pathAndQuery) => new(BaseAddress(mode), pathAndQuery);

    internal EchoProcess EchoBehind(FrontEndMode mode) => mode == FrontEndMode.Uwsgi ? UwsgiEcho : FastCgiEcho;

    public async Task InitializeAsync()
    {
        try
        {
            LocalNginxProcess.FindExecutable(); // fail first, and clearly, when nginx is not installed
            _socketFolder = TempDirectory.Create("bridge-sockets-");
            var uwsgi = StartEcho("uwsgi.sock", "uwsgi");
            var fastCgi = StartEcho("fastcgi.sock", "fastcgi");
            var forbidden = StartEcho("forbidden.sock", "uwsgi", "--socket-mode", "0600");
            var group = StartEcho("group.sock", "auto");
            await Task.WhenAll(uwsgi, fastCgi, forbidden, group);
            (UwsgiEcho, FastCgiEcho, ForbiddenEcho, GroupEcho) = (uwsgi.Result, fastCgi.Result, forbidden.Result, group.Result);

            _nginx = new LocalNginxProcess();
            await _nginx.StartAsync(Template, new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["UWSGI_SOCKET"] = UwsgiEcho.SocketPath,
                ["FASTCGI_SOCKET"] = FastCgiEcho.SocketPath,
                ["FORBIDDEN_SOCKET"] = ForbiddenEcho.SocketPath,
                ["GROUP_SOCKET"] = GroupEcho.SocketPath,
            });
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
        if (_socketFolder is not null)
        {
            TempDirectory.Delete(_socketFolder);
            _socketFolder = null;
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Echo broke its shutdown contract:\n" + string.Join('\n', problems));
        }
    }

    private async Task<EchoProcess> StartEcho(string socketName, string protocol, params string[] extraArguments)
    {
        var echo = await EchoProcess.StartAsync(Path.Combine(_socketFolder!, socketName), protocol, extraArguments);
        lock (_echoes)
        {
            _echoes.Add(echo);
        }

        return echo;
    }

    private static string PortName(FrontEndMode mode) => mode switch
    {
        FrontEndMode.Uwsgi => "UWSGI_PORT",
        FrontEndMode.FastCgiKeepAlive => "FASTCGI_KEEPALIVE_PORT",
        FrontEndMode.FastCgi => "FASTCGI_PORT",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };
}
