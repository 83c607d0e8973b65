using System.Runtime.InteropServices;

namespace Bridge.Server.Listeners;

/// <summary>
/// The few libc calls .NET does not offer: what kind of file a path is (so only a socket is ever removed),
/// chown, and user/group names to ids. Linux, glibc; 64-bit layouts.
/// </summary>
internal static partial class UnixFileSystem
{
    private const int AtCurrentDirectory = -100;  // AT_FDCWD
    private const int AtSymlinkNoFollow = 0x100;   // AT_SYMLINK_NOFOLLOW: the path itself, as lstat
    private const uint StatxWanted = 0x1 | 0x2 | 0x8 | 0x10 | 0x40 | 0x100; // STATX_TYPE | MODE | UID | GID | MTIME | INO
    private const ushort FileTypeMask = 0xF000;    // S_IFMT
    private const ushort SocketType = 0xC000;      // S_IFSOCK
    private const int PasswdUidOffset = 16;   // struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; ... }
    private const int GroupGidOffset = 16;    // struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; ... }

    /// <summary>null: no such file; otherwise whether it is a socket.</summary>
    public static bool? IsSocket(string path) => Stat(path, out var stat) ? (stat.Mode & FileTypeMask) == SocketType : null;

    /// <summary>
    /// What tells one socket file from another at the same path (see <see cref="SocketFileIdentity"/>). Null if there
    /// is no socket at <paramref name="path"/>.
    /// </summary>
    public static SocketFileIdentity? SocketIdentity(string path)
    {
        if (!Stat(path, out var stat) || (stat.Mode & FileTypeMask) != SocketType)
        {
            return null;
        }

        return new SocketFileIdentity(((ulong)stat.DevMajor << 32) | stat.DevMinor, stat.Inode, stat.MtimeSeconds, stat.MtimeNanoseconds);
    }

    // statx(2) rather than lstat: struct statx has one layout on every architecture (the kernel's ABI), so nothing
    // depends on where a libc puts st_mode; and glibc exports statx under its own name (lstat was only a macro
    // over __lxstat before glibc 2.33).
    private static unsafe bool Stat(string path, out Statx stat)
    {
        Statx result;
        if (statx(AtCurrentDirectory, path, AtSymlinkNoFollow, StatxWanted, &result) != 0)
        {
            stat = default;
            return false;
        }

        stat = result;
        return true;
    }

    /// <summary>
    /// A stream socket bound to <paramref name="path"/>. Bound here rather than with <c>Socket.Bind</c>, which
    /// makes .NET delete the path when the socket is disposed, even if another server has bound it since: Bridge
    /// removes its socket file itself, and only if it is still the one it created.
    /// </summary>
    public static unsafe System.Net.Sockets.Socket BindUnixSocket(string path)
    {
        const int AfUnix = 1;
        const int SockStream = 1;
        const int SockCloexec = 0x80000;
        var address = stackalloc byte[110]; // struct sockaddr_un: sa_family_t, then 108 bytes of path
        new Span<byte>(address, 110).Clear();
        *(ushort*)address = AfUnix;
        var length = System.Text.Encoding.UTF8.GetBytes(path, new Span<byte>(address + 2, 107));
        var fd = socket(AfUnix, SockStream | SockCloexec, 0);
        if (fd < 0)
        {
            throw new IOException($"Cannot create a Unix socket: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
        }

        if (bind(fd, address, 2 + length + 1) != 0)
        {
            const int PermissionDenied = 13; // EACCES: no write (or search) permission on the directory
            var errno = Marshal.GetLastPInvokeError();
            _ = close(fd);
            throw new IOException(errno == PermissionDenied
                ? $"Cannot create the socket {path}: user {Environment.UserName} may not write to {System.IO.Path.GetDirectoryName(path)}. Choose a directory that user owns, or give it write permission there (with systemd, RuntimeDirectory= makes /run/NAME for the service's user)."
                : $"Cannot bind the socket {path}: {Marshal.GetPInvokeErrorMessage(errno)}.");
        }

        return new System.Net.Sockets.Socket(new System.Net.Sockets.SafeSocketHandle(fd, ownsHandle: true));
    }

    /// <summary>The file's owner and group ids; null if there is no file at <paramref name="path"/>.</summary>
    public static (int Uid, int Gid)? Owner(string path) => Stat(path, out var stat) ? ((int)stat.Uid, (int)stat.Gid) : null;

    /// <summary>Sets owner and/or group (null leaves either as it is).</summary>
    public static void ChangeOwner(string path, string? owner, string? group)
    {
        var uid = owner is null ? -1 : ResolveUser(owner);
        var gid = group is null ? -1 : ResolveGroup(group);
        if (chown(path, uid, gid) != 0)
        {
            throw new IOException($"Cannot set the owner/group of {path} to {owner ?? "(unchanged)"}:{group ?? "(unchanged)"} (errno {Marshal.GetLastPInvokeError()}); setting an owner needs root, a group needs membership of it.");
        }
    }

    /// <summary>The user's id and primary group id; null if there is no such user.</summary>
    public static (int Uid, int Gid)? FindUser(string name)
    {
        var entry = getpwnam(name);
        return entry == 0 ? null : (Marshal.ReadInt32(entry, PasswdUidOffset), Marshal.ReadInt32(entry, PasswdUidOffset + sizeof(int)));
    }

    public static int ResolveUser(string owner)
    {
        if (int.TryParse(owner, out var uid))
        {
            return uid;
        }

        var entry = getpwnam(owner);
        return entry == 0 ? throw new IOException($"No user named '{owner}' on this machine (getent passwd lists them).") : Marshal.ReadInt32(entry, PasswdUidOffset);
    }

    public static int ResolveGroup(string group)
    {
        if (int.TryParse(group, out var gid))
        {
            return gid;
        }

        var entry = getgrnam(group);
        return entry == 0 ? throw new IOException($"No group named '{group}' on this machine (getent group lists them; nginx's workers run as www-data on Debian).") : Marshal.ReadInt32(entry, GroupGidOffset);
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int statx(int directoryFd, string path, int flags, uint mask, Statx* buffer);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int bind(int fd, byte* address, int length);

    [LibraryImport("libc")]
    private static partial int close(int fd);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int chown(string path, int owner, int group);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getpwnam(string name);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getgrnam(string name);

    // struct statx (linux/stat.h): the fields up to the device numbers; the kernel writes 256 bytes.
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct Statx
    {
        public uint Mask;
        public uint BlockSize;
        public ulong Attributes;
        public uint Links;
        public uint Uid;
        public uint Gid;
        public ushort Mode;
        public ushort Spare0;
        public ulong Inode;
        public ulong Size;
        public ulong Blocks;
        public ulong AttributesMask;
        public Timestamp Atime;
        public Timestamp Btime;
        public Timestamp Ctime;
        public Timestamp Mtime;
        public uint RdevMajor;
        public uint RdevMinor;
        public uint DevMajor;
        public uint DevMinor;

        public readonly long MtimeSeconds => Mtime.Seconds;

        public readonly long MtimeNanoseconds => Mtime.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timestamp
    {
        public long Seconds;
        public uint Nanoseconds;
        public int Reserved;
    }
}
