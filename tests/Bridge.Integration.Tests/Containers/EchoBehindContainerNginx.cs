using System.Diagnostics.CodeAnalysis;
using System.Globalization;
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

    private EchoGroup? _echoes;
    private ContainerNginx? _nginx;

    /// <summary>Talks to nginx's published loopback ports; no cookies, no redirects.</summary>
    public HttpClient Client { get; } = FrontEndClient.Create(timeout: TimeSpan.FromSeconds(90), pooledConnectionIdleTimeout: TimeSpan.FromSeconds(30));

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

    public Task InitializeAsync() => FixtureStart.RunAsync(StartAsync, DisposeAsync);

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_nginx is not null)
        {
            await _nginx.DisposeAsync(); // first, so nothing new reaches Echo while it drains
            _nginx = null;
        }

        if (_echoes is { } echoes)
        {
            _echoes = null;
            await echoes.DisposeAsync();
        }
    }

    private async Task StartAsync()
    {
        if (!Posix.IsRoot)
        {
            throw new InvalidOperationException("These tests need root, as in CI: only root may give a socket the group of nginx's workers (www-data) and run Docker.");
        }

        var echoes = _echoes = new EchoGroup("bridge-container-sockets-");
        _nginx = new ContainerNginx(builder => builder.WithBindMount(echoes.SocketFolder, echoes.SocketFolder));
        await _nginx.StartAsync(Template, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["UWSGI_SOCKET"] = echoes.SocketPath("uwsgi"),
            ["FASTCGI_SOCKET"] = echoes.SocketPath("fastcgi"),
            ["FORBIDDEN_SOCKET"] = echoes.SocketPath("forbidden"),
        });
        WwwDataGid = await GroupIdInContainerAsync("www-data");
        GatewayAddress = (await DockerEngine.InspectAsync(_nginx.Container)).NetworkSettings!.Networks!.Values.Single().Gateway!;

        var group = WwwDataGid.ToString(CultureInfo.InvariantCulture);
        var started = await Task.WhenAll(
            echoes.StartAsync(EchoApp.Native, "uwsgi", "uwsgi", "--socket-group", group), // after EchoProcess's own --socket-group: the last one given wins
            echoes.StartAsync(EchoApp.Native, "fastcgi", "fastcgi", "--socket-group", group),
            echoes.StartAsync(EchoApp.Native, "forbidden", "uwsgi", "--socket-mode", "0600")); // only its owner, root, may open it
        (Uwsgi, FastCgi, Forbidden) = (started[0], started[1], started[2]);
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
