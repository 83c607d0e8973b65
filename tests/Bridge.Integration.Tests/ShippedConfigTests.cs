using System.Net;
using System.Text.RegularExpressions;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;
using Bridge.Testing.WebSockets;

namespace Bridge.Integration.Tests;

/// <summary>
/// Every config users copy from nginx/ (nginx/*.conf) loads in the nginx installed here and serves Echo as shipped:
/// only what names this machine is changed (the listen port, the socket path, where Debian keeps *_params), through
/// nginx/templates/shipped.conf.template. A directive nginx rejects (as `nginx -t` would) fails the start. Each has a
/// WebSocket location on uwsgi_pass, through which Echo's /ws is tunnelled.
/// </summary>
public sealed partial class ShippedConfigTests
{
    private const string Placeholder = "{{SITE}}";

    public static TheoryData<string> ShippedConfigs() => new(ShippedConfigNames());

    private static string[] ShippedConfigNames() =>
        [.. Directory.GetFiles(Path.Combine(Repository.Root, "nginx"), "*.conf").Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    [Fact]
    public void The_repository_ships_the_uwsgi_and_fastcgi_configs()
    {
        var shipped = ShippedConfigNames();

        Assert.Contains("uwsgi.conf", shipped);
        Assert.Contains("fastcgi.conf", shipped);
    }

    [Theory]
    [MemberData(nameof(ShippedConfigs))]
    public async Task A_shipped_config_loads_in_nginx_and_serves_echo(string config)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "nginx", config));
        var uwsgi = text.Contains("uwsgi_pass", StringComparison.Ordinal);
        var fastCgi = text.Contains("fastcgi_pass", StringComparison.Ordinal);
        var protocol = uwsgi && fastCgi ? "auto" // FastCGI, with WebSocket paths on uwsgi_pass: one socket for both
            : uwsgi ? "uwsgi"
            : fastCgi ? "fastcgi"
            : throw new InvalidOperationException($"nginx/{config} has neither uwsgi_pass nor fastcgi_pass.");
        var template = await TemplateAroundAsync(config);

        var folder = TempDirectory.Create("bridge-shipped-");
        try
        {
            var socket = Path.Combine(folder, "app.sock");
            await using var echo = await EchoProcess.StartAsync(EchoApp.Native, socket, protocol);
            await using var nginx = new LocalNginxProcess();
            await nginx.StartTemplateTextAsync(template, new Dictionary<string, string> { ["APP_SOCKET"] = socket });
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };

            using var hello = await client.GetAsync(new Uri(nginx.BaseAddress("SITE_PORT"), "/hello"));
            Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
            Assert.Equal("hello world\n", await hello.Content.ReadAsStringAsync());

            // Larger than every buffer the config sets, so nginx's buffering (and the busy-buffer limits) take part.
            const int Length = 1_000_000;
            var bytes = await client.GetByteArrayAsync(new Uri(nginx.BaseAddress("SITE_PORT"), $"/bytes/{Length}"));
            Assert.Equal(Length, bytes.Length);
            Assert.Equal(-1, EchoPattern.FirstMismatch(bytes, 0));

            // An app that answers without reading the body (a 401, a 403), and Bridge's own 413 for a body the
            // config lets through (30m > Bridge's 30,000,000 bytes): the answer arrives at once. Over FastCGI it
            // waited for nginx's fastcgi_read_timeout (60 s) before END_REQUEST stopped waiting for STDIN.
            foreach (var (path, size, status) in new[] { ("/status/401", 5_000_000, HttpStatusCode.Unauthorized), ("/upload", 31_000_000, HttpStatusCode.RequestEntityTooLarge) })
            {
                var started = System.Diagnostics.Stopwatch.StartNew();
                using var content = new ByteArrayContent(new byte[size]);
                using var refused = await client.PostAsync(new Uri(nginx.BaseAddress("SITE_PORT"), path), content);
                Assert.Equal(status, refused.StatusCode);
                Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"POST {path} of {size} bytes took {started.Elapsed.TotalSeconds:0.0} s through nginx/{config}.");
            }

            using var after = await client.GetAsync(new Uri(nginx.BaseAddress("SITE_PORT"), "/hello"));
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);

            // Its WebSocket location (uwsgi_pass in both configs) tunnels Echo's /ws.
            Assert.True(uwsgi, $"nginx/{config} has no uwsgi_pass location for WebSockets.");
            using var webSocket = await WebSocketsBehindNginx.OpenAsync(nginx.Port("SITE_PORT"));
            await webSocket.SendFrameAsync(RawWebSocket.Text, "through the shipped config"u8);
            Assert.Equal("through the shipped config", System.Text.Encoding.UTF8.GetString((await webSocket.ReadMessageAsync()).Payload));
            await webSocket.SendFrameAsync(RawWebSocket.Close, RawWebSocket.ClosePayload(1000));
            Assert.Equal(RawWebSocket.Close, (await webSocket.ReadFrameAsync()).Opcode);
            Assert.True(await webSocket.ClosesWithinAsync(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            TempDirectory.Delete(folder);
        }
    }

    /// <summary>
    /// nginx/templates/shipped.conf.template around nginx/<paramref name="config"/>, for LocalNginxProcess: the
    /// site listens on <c>{{SITE_PORT}}</c> and passes to <c>{{APP_SOCKET}}</c>.
    /// </summary>
    internal static async Task<string> TemplateAroundAsync(string config)
    {
        var site = Localize(config, await File.ReadAllTextAsync(Path.Combine(Repository.Root, "nginx", config)));
        return (await File.ReadAllTextAsync(Repository.NginxTemplate("shipped.conf.template"))).Replace(Placeholder, site, StringComparison.Ordinal);
    }

    // The shipped text with the three machine-specific names replaced; each must be found, so a config whose shape
    // changed fails here rather than loading something else.
    private static string Localize(string config, string text)
    {
        var listens = 0;
        var sockets = 0;
        text = ListenPort().Replace(text, _ =>
        {
            listens++;
            return "listen 127.0.0.1:{{SITE_PORT}};";
        });
        text = UnixSocket().Replace(text, _ =>
        {
            sockets++;
            return "unix:{{APP_SOCKET}}";
        });
        text = ParamsInclude().Replace(text, "include /etc/nginx/$1;");
        Assert.True(listens == 1, $"nginx/{config}: expected one `listen 80;`, found {listens}.");
        Assert.True(sockets >= 1, $"nginx/{config}: no unix: socket path found.");
        return text;
    }

    [GeneratedRegex(@"listen\s+80\s*;")]
    private static partial Regex ListenPort();

    [GeneratedRegex(@"unix:/[^\s;]+")]
    private static partial Regex UnixSocket();

    [GeneratedRegex(@"include\s+(\w+_params)\s*;")]
    private static partial Regex ParamsInclude();
}
