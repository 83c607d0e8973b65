using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Bridge.Cli.Stats;

/// <summary>
/// The accept-queue length of a listening socket (connections the kernel completed that no worker has taken yet),
/// read the way <c>ss -l</c> reads it: sock_diag netlink for Unix sockets, <c>/proc/net/tcp{,6}</c> for TCP.
/// uWSGI reports 0 for Unix sockets; this is the number that says the workers are saturated.
/// </summary>
internal static class ListenQueueReader
{
    private const string TcpListenState = "0A"; // TCP_LISTEN in /proc/net/tcp's st column

    /// <summary>false when the queue cannot be read (not Linux, not a listening socket, the kernel said no).</summary>
    public static bool TryRead(Socket listening, out int queued)
    {
        ArgumentNullException.ThrowIfNull(listening);
        queued = 0;
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return listening.AddressFamily switch
            {
                AddressFamily.Unix => TryGetInode(listening, out var inode) && UnixSocketDiag.TryReadListenQueue(inode, out queued),
                AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 when listening.LocalEndPoint is IPEndPoint local => TryReadTcp(local, out queued),
                _ => false,
            };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    // /proc/self/fd/N links to "socket:[INODE]".
    private static bool TryGetInode(Socket socket, out uint inode)
    {
        inode = 0;
        var fd = socket.SafeHandle.DangerousGetHandle().ToInt64();
        var target = new FileInfo("/proc/self/fd/" + fd.ToString(CultureInfo.InvariantCulture)).LinkTarget;
        const string Prefix = "socket:[";
        return target is not null
            && target.StartsWith(Prefix, StringComparison.Ordinal)
            && target.EndsWith(']')
            && uint.TryParse(target.AsSpan(Prefix.Length, target.Length - Prefix.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out inode);
    }

    // /proc/net/tcp (proc_net_tcp(5)), one socket per line:
    //   sl  local_address rem_address   st tx_queue:rx_queue ...
    //   0: 0100007F:1F90 00000000:0000 0A 00000000:00000003 ...
    // Addresses are the in-memory u32 words in hex (host order), the port is hex; st 0A is LISTEN, and for a
    // listening socket rx_queue is the accept queue (sk_ack_backlog).
    private static bool TryReadTcp(IPEndPoint local, out int queued)
    {
        queued = 0;
        var address = local.Address;
        var file = address.AddressFamily == AddressFamily.InterNetwork ? "/proc/net/tcp" : "/proc/net/tcp6";
        var expected = address.GetAddressBytes();
        foreach (var line in File.ReadLines(file))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 5 || fields[3] != TcpListenState)
            {
                continue;
            }

            var localField = fields[1];
            var colon = localField.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0
                || !int.TryParse(localField.AsSpan(colon + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var port)
                || port != local.Port
                || !AddressMatches(localField.AsSpan(0, colon), expected))
            {
                continue;
            }

            var queues = fields[4];
            var queueColon = queues.IndexOf(':', StringComparison.Ordinal);
            return queueColon >= 0
                && int.TryParse(queues.AsSpan(queueColon + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out queued);
        }

        return false;
    }

    private static bool AddressMatches(ReadOnlySpan<char> hex, byte[] expected)
    {
        if (hex.Length != expected.Length * 2)
        {
            return false;
        }

        Span<byte> actual = stackalloc byte[16];
        for (var word = 0; word < expected.Length / 4; word++)
        {
            if (!uint.TryParse(hex.Slice(word * 8, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            // Printed as a host-order u32 of the network-order bytes: on little-endian, byte 0 is the low byte.
            if (BitConverter.IsLittleEndian)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(actual[(word * 4)..], value);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(actual[(word * 4)..], value);
            }
        }

        return actual[..expected.Length].SequenceEqual(expected);
    }
}
