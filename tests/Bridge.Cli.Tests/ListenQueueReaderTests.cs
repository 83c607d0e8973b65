using System.Net;
using System.Net.Sockets;
using Bridge.Cli.Stats;

namespace Bridge.Cli.Tests;

public sealed class ListenQueueReaderTests
{
    private const int Backlog = 16;
    private const int Pending = 3;

    [Fact]
    public async Task Reads_the_accept_queue_of_a_listening_unix_socket()
    {
        var directory = Directory.CreateTempSubdirectory("bct-");
        try
        {
            var endPoint = new UnixDomainSocketEndPoint(Path.Combine(directory.FullName, "q.sock"));
            using var listening = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listening.Bind(endPoint);
            listening.Listen(Backlog);
            await AssertQueueAsync(listening, () => new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified), endPoint);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Reads_the_accept_queue_of_a_listening_tcp_socket()
    {
        using var listening = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listening.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listening.Listen(Backlog);
        await AssertQueueAsync(listening, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), listening.LocalEndPoint!);
    }

    [Fact]
    public async Task Reads_the_accept_queue_of_a_listening_tcp6_socket()
    {
        using var listening = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        listening.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        listening.Listen(Backlog);
        await AssertQueueAsync(listening, () => new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp), listening.LocalEndPoint!);
    }

    [Fact]
    public void Returns_false_for_a_socket_that_is_not_listening()
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        Assert.False(ListenQueueReader.TryRead(socket, out var queued));
        Assert.Equal(0, queued);
    }

    private static async Task AssertQueueAsync(Socket listening, Func<Socket> newClient, EndPoint endPoint)
    {
        Assert.True(ListenQueueReader.TryRead(listening, out var empty));
        Assert.Equal(0, empty);

        var clients = new List<Socket>();
        try
        {
            for (var i = 0; i < Pending; i++)
            {
                var client = newClient();
                clients.Add(client);
                await client.ConnectAsync(endPoint);
            }

            Assert.True(ListenQueueReader.TryRead(listening, out var queued));
            Assert.Equal(Pending, queued);

            for (var i = 0; i < Pending; i++)
            {
                using var accepted = await listening.AcceptAsync();
            }

            Assert.True(ListenQueueReader.TryRead(listening, out var drained));
            Assert.Equal(0, drained);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }
}
