using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Bridge.Testing.FrontEnd;

/// <summary>Raw socket operations, each bounded by <see cref="Timeout"/> so that no test hangs.</summary>
public static class Wire
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

    /// <summary>
    /// Reads one HTTP/1.1 response with a Content-Length (uwsgi) without waiting for the connection to close:
    /// the head, then exactly Content-Length body bytes.
    /// </summary>
    public static async Task<byte[]> ReadHttpResponseAsync(Socket socket, TimeSpan? timeout = null)
    {
        using var cts = TimeoutSource(timeout);
        using var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var bytes = received.GetBuffer().AsSpan(0, (int)received.Length);
            var end = bytes.IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                var head = System.Text.Encoding.Latin1.GetString(bytes[..end]);
                var line = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                Assert.True(line is not null, "The response has no Content-Length: " + head);
                var length = long.Parse(line.AsSpan(15).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                if (bytes.Length >= end + 4 + length)
                {
                    return received.ToArray();
                }
            }

            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"No complete response within {timeout ?? Timeout}; {received.Length} bytes arrived.");
                throw;
            }

            Assert.True(read > 0, $"The connection closed before the response was complete; {received.Length} bytes arrived.");
            received.Write(buffer, 0, read);
        }
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
