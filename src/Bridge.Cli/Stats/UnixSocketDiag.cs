using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Bridge.Cli.Stats;

/// <summary>
/// One sock_diag(7) query: the receive queue of a listening Unix socket, found by inode. For a listening socket
/// the kernel reports the number of connections waiting in its accept queue there (net/unix/diag.c,
/// sk_diag_show_rqlen), which is what <c>ss -xl</c> prints as Recv-Q.
/// </summary>
internal static partial class UnixSocketDiag
{
    private const int AfNetlink = 16;
    private const int AfUnix = 1;
    private const int SockDgram = 2;
    private const int SockCloexec = 0x80000;
    private const int NetlinkSockDiag = 4;
    private const int SolSocket = 1;
    private const int SoRcvTimeo = 20;

    private const ushort SockDiagByFamily = 20;
    private const ushort NlmFRequest = 0x1;
    private const ushort NlmsgError = 0x2;
    private const ushort NlmsgDone = 0x3;
    private const int TcpListen = 10;
    private const uint UdiagShowRqlen = 0x10;
    private const ushort UnixDiagRqlen = 4;

    private const int NlmsgHeaderLength = 16;
    private const int UnixDiagRequestLength = 24;
    private const int UnixDiagMessageLength = 16;
    private const int AttributeHeaderLength = 4;

    // Request: nlmsghdr + unix_diag_req (40 bytes)
    // +---------+---------+----------+-------+-------+
    // | len u32 | type u16| flags u16| seq   | pid   |   nlmsghdr (16)
    // +---------+---------+----------+-------+-------+
    // | family u8 | protocol u8 | pad u16 | states u32 | ino u32 | show u32 | cookie u32[2] |   unix_diag_req (24)
    // +-----------+-------------+---------+------------+---------+----------+---------------+
    // Answer: nlmsghdr + unix_diag_msg (family, type, state, pad, ino u32, cookie u32[2]) + rtattrs
    // +---------+----------+-----------------------------------+
    // | len u16 | type u16 | UNIX_DIAG_RQLEN: rqueue u32, wqueue u32 |
    // +---------+----------+-----------------------------------+
    public static bool TryReadListenQueue(uint inode, out int queued)
    {
        queued = 0;
        var fd = socket(AfNetlink, SockDgram | SockCloexec, NetlinkSockDiag);
        if (fd < 0)
        {
            return false;
        }

        try
        {
            Span<long> timeout = [0, 200_000]; // struct timeval: 200 ms, so a silent kernel never hangs the stats
            unsafe
            {
                fixed (long* tv = timeout)
                {
                    _ = setsockopt(fd, SolSocket, SoRcvTimeo, tv, sizeof(long) * 2);
                }
            }

            Span<byte> request = stackalloc byte[NlmsgHeaderLength + UnixDiagRequestLength];
            request.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(request, (uint)request.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(request[4..], SockDiagByFamily);
            BinaryPrimitives.WriteUInt16LittleEndian(request[6..], NlmFRequest);
            BinaryPrimitives.WriteUInt32LittleEndian(request[8..], 1); // seq
            var body = request[NlmsgHeaderLength..];
            body[0] = AfUnix;
            BinaryPrimitives.WriteUInt32LittleEndian(body[4..], 1u << TcpListen);
            BinaryPrimitives.WriteUInt32LittleEndian(body[8..], inode);
            BinaryPrimitives.WriteUInt32LittleEndian(body[12..], UdiagShowRqlen);
            BinaryPrimitives.WriteUInt32LittleEndian(body[16..], uint.MaxValue); // INET_DIAG_NOCOOKIE: any socket with this inode
            BinaryPrimitives.WriteUInt32LittleEndian(body[20..], uint.MaxValue);

            Span<byte> kernel = stackalloc byte[12]; // sockaddr_nl, nl_pid 0: the kernel
            kernel.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(kernel, AfNetlink);
            unsafe
            {
                fixed (byte* r = request)
                fixed (byte* a = kernel)
                {
                    if (sendto(fd, r, request.Length, 0, a, kernel.Length) != request.Length)
                    {
                        return false;
                    }
                }
            }

            var answer = new byte[8192];
            int received;
            unsafe
            {
                fixed (byte* b = answer)
                {
                    received = (int)recv(fd, b, answer.Length, 0);
                }
            }

            return received > 0 && TryParse(answer.AsSpan(0, received), inode, out queued);
        }
        finally
        {
            _ = close(fd);
        }
    }

    internal static bool TryParse(ReadOnlySpan<byte> answer, uint inode, out int queued)
    {
        queued = 0;
        while (answer.Length >= NlmsgHeaderLength)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(answer);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(answer[4..]);
            if (length < NlmsgHeaderLength || length > answer.Length || type is NlmsgError or NlmsgDone)
            {
                return false;
            }

            var message = answer[NlmsgHeaderLength..length];
            if (type == SockDiagByFamily && message.Length >= UnixDiagMessageLength
                && BinaryPrimitives.ReadUInt32LittleEndian(message[4..]) == inode)
            {
                // An exact lookup ignores udiag_states: a socket that is not listening has no accept queue.
                if (message[2] != TcpListen)
                {
                    return false;
                }

                var attributes = message[UnixDiagMessageLength..];
                while (attributes.Length >= AttributeHeaderLength)
                {
                    var attributeLength = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
                    var attributeType = BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]);
                    if (attributeLength < AttributeHeaderLength || attributeLength > attributes.Length)
                    {
                        return false;
                    }

                    if (attributeType == UnixDiagRqlen && attributeLength >= AttributeHeaderLength + 4)
                    {
                        queued = (int)BinaryPrimitives.ReadUInt32LittleEndian(attributes[AttributeHeaderLength..]);
                        return true;
                    }

                    var aligned = (attributeLength + 3) & ~3;
                    attributes = attributes[Math.Min(aligned, attributes.Length)..];
                }

                return false;
            }

            answer = answer[Math.Min((length + 3) & ~3, answer.Length)..];
        }

        return false;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int setsockopt(int fd, int level, int name, void* value, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint sendto(int fd, byte* buffer, nint length, int flags, byte* address, int addressLength);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
