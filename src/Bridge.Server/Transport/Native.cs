using System.Runtime.InteropServices;

namespace Bridge.Server.Transport;

/// <summary>
/// The few Linux calls the dedicated I/O threads need that .NET's Socket does not expose: an eventfd to wake a
/// thread, an epoll set that waits on a listening socket with EPOLLEXCLUSIVE (one thread woken per connection,
/// even when the socket is shared with other worker processes), and poll() on a connection plus the wake-up.
/// </summary>
internal static unsafe partial class Native
{
    private const int EfdCloexec = 0x80000;
    private const int EfdNonblock = 0x800;
    private const int EpollCloexec = 0x80000;
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const uint EpollIn = 0x001;
    private const uint EpollOut = 0x004;
    private const uint EpollRdHup = 0x2000;
    private const uint EpollEdgeTriggered = 1u << 31;
    private const uint EpollExclusive = 1u << 28;
    private const short PollIn = 0x001;

    /// <summary>Event bits as epoll reports them.</summary>
    public const uint EventIn = 0x001;
    public const uint EventOut = 0x004;
    public const uint EventError = 0x008;
    public const uint EventHangUp = 0x010;
    public const uint EventPeerClosed = 0x2000;
    private const int EIntr = 4;

    // struct epoll_event is packed (12 bytes) on x86-64 and naturally aligned (16 bytes) elsewhere.
    private static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>A non-blocking eventfd; throws <see cref="NativeException"/> (e.g. EMFILE) when none can be made.</summary>
    public static int CreateEventFd()
    {
        var fd = eventfd(0, EfdCloexec | EfdNonblock);
        return fd >= 0 ? fd : throw NativeException.Last("eventfd");
    }

    public static void Signal(int eventFd)
    {
        ulong one = 1;
        _ = write(eventFd, &one, sizeof(ulong));
    }

    public static void Drain(int eventFd)
    {
        ulong value;
        _ = read(eventFd, &value, sizeof(ulong));
    }

    public static void Close(int fd)
    {
        if (fd >= 0)
        {
            _ = close(fd);
        }
    }

    /// <summary>An epoll set holding a listening socket (exclusive wake-ups, data 0) and a wake-up eventfd (data 1).</summary>
    public static int CreateAcceptSet(int listenFd, int wakeFd)
    {
        var epollFd = epoll_create1(EpollCloexec);
        if (epollFd < 0)
        {
            throw NativeException.Last("epoll_create1");
        }

        if (Add(epollFd, listenFd, EpollIn | EpollExclusive, 0) != 0 || Add(epollFd, wakeFd, EpollIn, 1) != 0)
        {
            var error = NativeException.Last("epoll_ctl");
            _ = close(epollFd);
            throw error;
        }

        return epollFd;
    }

    /// <summary>Takes the listening socket out of an accept set (a parked thread), or puts it back.</summary>
    public static void SetListening(int epollFd, int listenFd, bool listening)
    {
        var result = listening ? Add(epollFd, listenFd, EpollIn | EpollExclusive, 0) : epoll_ctl(epollFd, EpollCtlDel, listenFd, null);
        if (result != 0)
        {
            throw NativeException.Last("epoll_ctl");
        }
    }

    /// <summary>Waits for the set: 1 when the listening socket is readable, 0 when only woken, -1 after <paramref name="timeoutMs"/>.</summary>
    public static int WaitAcceptSet(int epollFd, int timeoutMs)
    {
        var events = stackalloc byte[32];
        while (true)
        {
            var count = epoll_wait(epollFd, events, 2, timeoutMs);
            if (count < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EIntr)
                {
                    continue;
                }

                throw new NativeException("epoll_wait", errno);
            }

            if (count == 0)
            {
                return -1;
            }

            var listenReady = false;
            for (var i = 0; i < count; i++)
            {
                listenReady |= *(ulong*)(events + (i * EpollEventSize) + EpollDataOffset) == 0;
            }

            return listenReady ? 1 : 0;
        }
    }

    /// <summary>The soft limit on open files (RLIMIT_NOFILE); <see cref="long.MaxValue"/> when unlimited or unknown.</summary>
    public static long OpenFilesLimit()
    {
        const int RlimitNofile = 7;
        var limits = stackalloc ulong[2]; // struct rlimit { rlim_t rlim_cur; rlim_t rlim_max; }
        return getrlimit(RlimitNofile, limits) == 0 && limits[0] < long.MaxValue ? (long)limits[0] : long.MaxValue;
    }

    /// <summary>An epoll set for <see cref="SocketEvents"/>, holding a wake-up eventfd under key 0.</summary>
    public static int CreateEventSet(int wakeFd)
    {
        var epollFd = epoll_create1(EpollCloexec);
        if (epollFd < 0)
        {
            throw NativeException.Last("epoll_create1");
        }

        if (Add(epollFd, wakeFd, EpollIn, 0) != 0)
        {
            var error = NativeException.Last("epoll_ctl");
            _ = close(epollFd);
            throw error;
        }

        return epollFd;
    }

    /// <summary>
    /// Adds a connection to an event set, edge-triggered, for every event that matters to it: readable, writable, and
    /// the peer's close (EPOLLRDHUP; hang-ups and errors are always reported). Throws when it cannot be added.
    /// </summary>
    public static void Register(int epollFd, int fd, ulong key)
    {
        if (Add(epollFd, fd, EpollIn | EpollOut | EpollRdHup | EpollEdgeTriggered, key) != 0)
        {
            throw NativeException.Last("epoll_ctl");
        }
    }

    /// <summary>Takes a connection out of an event set; before its descriptor is closed.</summary>
    public static void Unregister(int epollFd, int fd) => _ = epoll_ctl(epollFd, EpollCtlDel, fd, null);

    /// <summary>Waits for events; writes their keys and event bits, and returns how many (0 on EINTR).</summary>
    public static int WaitEvents(int epollFd, Span<ulong> keys, Span<uint> events)
    {
        const int Max = 64;
        var buffer = stackalloc byte[16 * Max];
        var max = Math.Min(Math.Min(keys.Length, events.Length), Max);
        var count = epoll_wait(epollFd, buffer, max, -1);
        if (count < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == EIntr ? 0 : throw new NativeException("epoll_wait", errno);
        }

        for (var i = 0; i < count; i++)
        {
            events[i] = *(uint*)(buffer + (i * EpollEventSize));
            keys[i] = *(ulong*)(buffer + (i * EpollEventSize) + EpollDataOffset);
        }

        return count;
    }

    /// <summary>Blocks until <paramref name="fd"/> is readable (or hung up) or <paramref name="wakeFd"/> is signalled.</summary>
    public static void WaitReadable(int fd, int wakeFd)
    {
        var fds = stackalloc PollFd[2];
        fds[0] = new PollFd { Fd = fd, Events = PollIn };
        fds[1] = new PollFd { Fd = wakeFd, Events = PollIn };
        while (poll(fds, 2, -1) < 0 && Marshal.GetLastPInvokeError() == EIntr)
        {
        }
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for <paramref name="eventFd"/> to be signalled; false on timeout.</summary>
    public static bool WaitSignal(int eventFd, int timeoutMs)
    {
        var fds = stackalloc PollFd[1];
        fds[0] = new PollFd { Fd = eventFd, Events = PollIn };
        int count;
        while ((count = poll(fds, 1, timeoutMs)) < 0 && Marshal.GetLastPInvokeError() == EIntr)
        {
        }

        return count > 0;
    }

    private static int Add(int epollFd, int fd, uint events, ulong data)
    {
        var ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + EpollDataOffset) = data;
        return epoll_ctl(epollFd, EpollCtlAdd, fd, ev);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, void* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, void* buffer, nint count);

    [LibraryImport("libc")]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epollFd, int op, int fd, void* ev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epollFd, void* events, int maxEvents, int timeout);

    [LibraryImport("libc")]
    private static partial int getrlimit(int resource, ulong* limits);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(PollFd* fds, nuint count, int timeout);
}
