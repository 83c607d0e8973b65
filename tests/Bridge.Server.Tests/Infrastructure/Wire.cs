using System.Net;
using System.Net.Sockets;

namespace Bridge.Server.Tests.Infrastructure;

/// <summary>Raw socket operations, each bounded by <see cref="Timeout"/> so that no test hangs.</summary>
internal static class Wire
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static CancellationTokenSource TimeoutSource(TimeSpan? timeout = null) => new(timeout ?? Timeout);

    public static async Task<Socket> ConnectAsync(EndPoint endPoint)
    {
        var family = endPoint is UnixDomainSocketEndPoint ? AddressFamily.Unix : endPoint.AddressFamily;
        var socket = new Socket(family, SocketType.Stream, family == AddressFamily.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp);
        using var cts = TimeoutSource();
        try
        {
            await socket.ConnectAsync(endPoint, cts.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static async Task SendAsync(Socket socket, ReadOnlyMemory<byte> data)
    {
        using var cts = TimeoutSource();
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None, cts.Token);
            data = data[sent..];
        }
    }

    /// <summary>Reads until the server closes; a reset also ends the read (what arrived before it is returned).</summary>
    public static async Task<byte[]> ReadToEndAsync(Socket socket, TimeSpan? timeout = null)
    {
        using var cts = TimeoutSource(timeout);
        using var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                break;
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"The server did not close the connection within {timeout ?? Timeout}; {received.Length} bytes arrived.");
                throw;
            }

            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
        }

        return received.ToArray();
    }

    /// <summary>True when the server closes the connection (EOF or reset) within <paramref name="within"/>, false when it stays open.</summary>
    public static async Task<bool> ClosesWithinAsync(Socket socket, TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (read == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>One request on a new connection: send it all, read to EOF.</summary>
    public static async Task<byte[]> ExchangeAsync(EndPoint endPoint, byte[] request, TimeSpan? timeout = null)
    {
        using var socket = await ConnectAsync(endPoint);
        await SendAsync(socket, request);
        return await ReadToEndAsync(socket, timeout);
    }

    /// <summary>Asserts that nothing more is readable within a short while (the connection is quiet and open).</summary>
    public static async Task AssertQuietAsync(Socket socket, TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        var buffer = new byte[1];
        try
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            Assert.Fail(read == 0 ? "The server closed the connection." : $"The server sent an unexpected byte 0x{buffer[0]:x2}.");
        }
        catch (OperationCanceledException)
        {
        }
    }
}
