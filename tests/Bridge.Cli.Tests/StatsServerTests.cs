using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Bridge.Cli.Stats;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Cli.Tests;

public sealed class StatsServerTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("bct-");

    private string SocketPath => Path.Combine(_directory.FullName, "stats.sock");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task A_client_that_sends_nothing_gets_the_raw_json_and_the_connection_closes()
    {
        await using var server = await StartAsync("unix:" + SocketPath);
        var raw = await ExchangeAsync(new UnixDomainSocketEndPoint(SocketPath), null);
        using var document = JsonDocument.Parse(raw);
        Assert.Equal(100, document.RootElement.GetProperty("pid").GetInt32());
        Assert.Equal(2, document.RootElement.GetProperty("workers").GetArrayLength());
    }

    [Fact]
    public async Task Get_metrics_answers_prometheus_text_over_http()
    {
        await using var server = await StartAsync("unix:" + SocketPath);
        var raw = await ExchangeAsync(new UnixDomainSocketEndPoint(SocketPath), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        var text = Encoding.UTF8.GetString(raw);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = text[..split];
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Type: text/plain; version=0.0.4", head, StringComparison.Ordinal);
        Assert.Contains("\nbridge_workers 2\n", text[split..], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/favicon.ico")]
    [InlineData("/metricz")]
    [InlineData("/stats/")]
    public async Task An_unknown_path_is_404_naming_the_known_ones(string path)
    {
        await using var server = await StartAsync("unix:" + SocketPath);
        var text = Encoding.UTF8.GetString(await ExchangeAsync(new UnixDomainSocketEndPoint(SocketPath), $"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n"));
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);

        Assert.StartsWith("HTTP/1.1 404 Not Found\r\n", text, StringComparison.Ordinal);
        Assert.Contains("GET /metrics", text[split..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_slash_answers_json_over_http()
    {
        await using var server = await StartAsync("unix:" + SocketPath);
        var text = Encoding.UTF8.GetString(await ExchangeAsync(new UnixDomainSocketEndPoint(SocketPath), "GET / HTTP/1.0\r\n\r\n"));
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/json", text[..split], StringComparison.Ordinal);
        using var document = JsonDocument.Parse(text[(split + 4)..]);
        Assert.Equal(2, document.RootElement.GetProperty("generation").GetInt32());
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task The_unix_socket_has_mode_0660_and_is_removed_on_dispose()
    {
        var server = await StartAsync("unix:" + SocketPath);
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite,
            File.GetUnixFileMode(SocketPath));
        await server.DisposeAsync();
        Assert.False(File.Exists(SocketPath));
    }

    [Fact]
    public async Task Serves_on_loopback_tcp()
    {
        await using var server = await StartAsync("tcp:127.0.0.1:0");
        Assert.StartsWith("tcp:127.0.0.1:", server.Address, StringComparison.Ordinal);
        var port = int.Parse(server.Address[(server.Address.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var raw = await ExchangeAsync(new IPEndPoint(IPAddress.Loopback, port), null);
        using var document = JsonDocument.Parse(raw);
        Assert.Equal(100, document.RootElement.GetProperty("pid").GetInt32());
    }

    private static Task<StatsServer> StartAsync(string address) =>
        StatsServer.StartAsync(address, StatsFormatterTests.Sample, NullLogger.Instance, CancellationToken.None);

    private static async Task<byte[]> ExchangeAsync(EndPoint endPoint, string? request)
    {
        using var client = new Socket(endPoint.AddressFamily, SocketType.Stream, endPoint is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        await client.ConnectAsync(endPoint);
        if (request is not null)
        {
            await client.SendAsync(Encoding.ASCII.GetBytes(request));
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var all = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            all.Write(buffer, 0, read);
        }

        return all.ToArray();
    }
}
