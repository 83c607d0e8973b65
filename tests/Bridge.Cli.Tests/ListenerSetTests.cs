using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Cli.Tests;

/// <summary>The supervisor's listening sockets: the files it created go when it stops, and only those.</summary>
public sealed class ListenerSetTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("bls-");

    private string SocketPath => Path.Combine(_directory.FullName, "app.sock");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void The_socket_file_it_created_is_removed_when_the_set_is_disposed()
    {
        var set = Open();
        Assert.True(File.Exists(SocketPath));

        set.Dispose();

        Assert.False(File.Exists(SocketPath));
    }

    [Fact]
    public void A_socket_file_another_server_bound_since_is_left_in_place()
    {
        var set = Open();

        // An overlapping restart: the new supervisor replaces the file before the old one has stopped.
        File.Delete(SocketPath);
        using var newer = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        newer.Bind(new UnixDomainSocketEndPoint(SocketPath));
        newer.Listen(1);
        set.Dispose();

        Assert.True(File.Exists(SocketPath));
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(SocketPath)); // still the newer one's socket
        Assert.True(client.Connected);
    }

    private ListenerSet Open()
    {
        var options = RunOptionsParser.Parse(["--listen", "unix:" + SocketPath, "--", "true"], new Dictionary<string, string>());
        return ListenerSet.Open(options, new Dictionary<string, string?>(), NullLogger.Instance);
    }
}
