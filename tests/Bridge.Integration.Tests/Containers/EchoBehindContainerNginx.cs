using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text;
using Bridge.Integration.Tests.Fixtures;

namespace Bridge.Integration.Tests.Containers;

/// <summary>
/// Echo on this machine, nginx in a container (<see cref="ContainerNginx"/>, nginx/templates/container-host-app.conf.template):
/// the Echo processes' sockets are in a folder bind-mounted into the container at the same path. As in production the
/// workers run as www-data, so the sockets are given the gid www-data has in the container (<c>--socket-group GID</c>,
/// mode 0660): uwsgi; FastCGI (reached with keep_conn on + an upstream keepalive pool); and one with
/// <c>--socket-mode 0600</c> (owner root) that the workers may not open.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "xunit disposes a fixture through IAsyncLifetime.DisposeAsync.")]
public sealed class EchoBehindContainerNginx : IAsyncLifetime
{
    private const string Template = "container-host-app.conf.template";

    private readonly List<EchoProcess> _echoes = [];
    private string? _socketFolder;
    private ContainerNginx? _nginx;

    /// <summary>Talks to nginx's published loopback ports; no cookies, no redirects.</summary>
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

    internal ContainerNginx Nginx => _nginx ?? throw new InvalidOperationException("Not started.");

    /// <summary>The gid of www-data in the nginx container, which the sockets were given.</summary>
    public int WwwDataGid { get; private set; }

    /// <summary>The address nginx sees clients come from: Docker's gateway on the container's network (its port proxy connects from there).</summary>
    public string GatewayAddress { get; private set; } = "";

    internal EchoProcess Uwsgi { get; private set; } = null!;

    internal EchoProcess FastCgi { get; private set; } = null!;

    internal EchoProcess Forbidden { get; private set; } = null!;

    public Uri BaseAddress(FrontEndMode mode) => Nginx.BaseAddress(PortName(mode));

    public Uri Url(FrontEndMode mode, string pathAndQuery) => new(BaseAddress(mode), pathAndQuery);

    public Uri Url(string portName, string pathAndQuery) => new(Nginx.BaseAddress(portName), pathAndQuery);

    /// <summary>The port nginx listens on inside the container (SERVER_PORT) for <paramref name="mode"/>.</summary>
    public int ContainerPort(FrontEndMode mode) => Nginx.ContainerPort(PortName(mode));

    internal EchoProcess EchoBehind(FrontEndMode mode) => mode == FrontEndMode.Uwsgi ? Uwsgi : FastCgi;

    public async Task InitializeAsync()
    {
        try
        {
            if (!Posix.IsRoot)
            {
                throw new InvalidOperationException("These tests need root, as in CI: only root may give a socket the group of nginx's workers (www-data) and run Docker.");
            }

            _socketFolder = TempDirectory.Create("bridge-container-sockets-");
            string Socket(string name) => Path.Combine(_socketFolder, name + ".sock");
            _nginx = new ContainerNginx(builder => builder.WithBindMount(_socketFolder, _socketFolder));
            await _nginx.StartAsync(Template, new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["UWSGI_SOCKET"] = Socket("uwsgi"),
                ["FASTCGI_SOCKET"] = Socket("fastcgi"),
                ["FORBIDDEN_SOCKET"] = Socket("forbidden"),
            });
            WwwDataGid = await GroupIdInContainerAsync("www-data");
            GatewayAddress = (await DockerEngine.InspectAsync(_nginx.Container)).NetworkSettings!.Networks!.Values.Single().Gateway!;

            var group = WwwDataGid.ToString(CultureInfo.InvariantCulture);
            async Task<EchoProcess> StartEcho(string name, string protocol, params string[] extraArguments)
            {
                var echo = await EchoProcess.StartAsync(EchoApp.Native, Socket(name), protocol, extraArguments);
                lock (_echoes)
                {
                    _echoes.Add(echo); // disposed with the others if a start fails
                }

                return echo;
            }

            var echoes = await Task.WhenAll(
                StartEcho("uwsgi", "uwsgi", "--socket-group", group), // after EchoProcess's own --socket-group: the last one given wins
                StartEcho("fastcgi", "fastcgi", "--socket-group", group),
                StartEcho("forbidden", "uwsgi", "--socket-mode", "0600")); // only its owner, root, may open it
            (Uwsgi, FastCgi, Forbidden) = (echoes[0], echoes[1], echoes[2]);
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
        if (_nginx is not null)
        {
            await _nginx.DisposeAsync(); // first, so nothing new reaches Echo while it drains
            _nginx = null;
        }

        var problems = (await Task.WhenAll(_echoes.Select(e => e.StopAsync()))).SelectMany(p => p).ToList();
        foreach (var echo in _echoes)
        {
            await echo.DisposeAsync();
        }

        _echoes.Clear();
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

    // getent is not needed: /etc/group of the image, as the workers' setgid() reads it.
    private async Task<int> GroupIdInContainerAsync(string group)
    {
        var lines = Encoding.UTF8.GetString(await Nginx.Container.ReadFileAsync("/etc/group")).Split('\n');
        var fields = lines.Select(l => l.Split(':')).FirstOrDefault(f => f.Length > 2 && f[0] == group)
            ?? throw new InvalidOperationException($"No group {group} in the nginx image's /etc/group.");
        return int.Parse(fields[2], CultureInfo.InvariantCulture);
    }

    private static string PortName(FrontEndMode mode) => mode switch
    {
        FrontEndMode.Uwsgi => "UWSGI_PORT",
        FrontEndMode.FastCgiKeepAlive => "FASTCGI_KEEPALIVE_PORT",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "nginx in a container reaches Echo over uwsgi and FastCGI with keep_conn on."),
    };
}
