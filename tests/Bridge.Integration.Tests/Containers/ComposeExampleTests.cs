using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Bridge.Integration.Tests.Fixtures;

namespace Bridge.Integration.Tests.Containers;

/// <summary>
/// The compose example users copy (nginx/containers/): nginx and the app in two containers sharing a named volume for
/// the socket, run with docker-compose exactly from those files, so the example cannot rot.
/// </summary>
public sealed class ComposeExampleTests
{
    private const int AppUid = 1654;   // the image's user (runtime-deps' "app")
    private const int WwwDataGid = 33; // nginx's workers, and the socket's group

    [Fact]
    public async Task The_compose_example_serves_uwsgi_and_fastcgi_over_the_shared_socket_and_stops_cleanly()
    {
        Assert.True(Posix.IsRoot, "This test needs root, as in CI: it reads the app's process and volume on this machine.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var project = await ComposeProject.UpAsync();
        var uwsgi = new Uri($"http://127.0.0.1:{await project.PublishedPortAsync("nginx", 80)}");
        var fastCgi = new Uri($"http://127.0.0.1:{await project.PublishedPortAsync("nginx", 81)}");

        // nginx may be up before the app listens: 502 until then.
        foreach (var baseAddress in new[] { uwsgi, fastCgi })
        {
            Assert.True(await AnswersAsync(client, new Uri(baseAddress, "/hello"), TimeSpan.FromSeconds(30)), $"{baseAddress} did not answer 200 within 30 s.\n{await project.RunAsync("logs")}");
        }

        foreach (var (baseAddress, gateway) in new[] { (uwsgi, "uwsgi"), (fastCgi, "fastcgi") })
        {
            var body = RandomNumberGenerator.GetBytes(1_000_000);
            using var response = await client.PostAsync(new Uri(baseAddress, "/echo/compose?x=1"), new ByteArrayContent(body), timeout.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
            Assert.Equal(gateway, json.RootElement.GetProperty("gateway").GetString());
            Assert.Equal("/echo/compose", json.RootElement.GetProperty("path").GetString());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), json.RootElement.GetProperty("bodySha256").GetString());
        }

        // The app is not root, and its socket in the volume is 0660 with nginx's workers' group.
        var app = await project.InspectAsync("app");
        var status = await File.ReadAllLinesAsync($"/proc/{app.State!.Pid}/status");
        Assert.Equal(AppUid.ToString(CultureInfo.InvariantCulture), status.Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t')[1]);
        Assert.Contains(WwwDataGid.ToString(CultureInfo.InvariantCulture), status.Single(l => l.StartsWith("Groups:", StringComparison.Ordinal)).Split([' ', '\t']));
        var volume = await DockerEngine.Client.Volumes.InspectAsync(project.SocketsVolume);
        var socket = Path.Combine(volume.Mountpoint, "app.sock");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(socket));
        Assert.Equal(WwwDataGid, Posix.GroupOf(socket));

        // docker stop: SIGTERM, a graceful stop within stop_grace_period, exit 0, the socket file removed.
        await project.RunAsync("stop");
        app = await project.InspectAsync("app");
        Assert.False(app.State!.Running);
        Assert.True(app.State.ExitCode == 0, $"the app exited with {app.State.ExitCode}:\n{await project.RunAsync("logs", "app")}");
        Assert.False(File.Exists(socket), "the app left its socket file in the volume");
    }

    private static async Task<bool> AnswersAsync(HttpClient client, Uri url, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await client.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // Docker's proxy accepts before nginx listens
            }

            await Task.Delay(100);
        }

        return false;
    }
}
