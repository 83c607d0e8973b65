using System.Runtime.InteropServices;

namespace Bridge.Server.Listeners;

/// <summary>
/// The few libc calls .NET does not offer: what kind of file a path is (so only a socket is ever removed),
/// chown, and user/group names to ids. Linux, glibc; 64-bit layouts.
/// </summary>
internal static partial class UnixFileSystem
{
    private const int StatBufferSize = 256;
    private const uint FileTypeMask = 0xF000; // S_IFMT
    private const uint SocketType = 0xC000;   // S_IFSOCK
    private const int PasswdUidOffset = 16;   // struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; ... }
    private const int GroupGidOffset = 16;    // struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; ... }

    /// <summary>null: no such file; otherwise whether it is a socket.</summary>
    public static unsafe bool? IsSocket(string path)
    {
        var buffer = stackalloc byte[StatBufferSize];
        if (lstat(path, buffer) != 0)
        {
            return null;
        }

        // st_mode follows st_dev and st_ino on x86-64 (after st_nlink) and on arm64 (before st_nlink).
        var modeOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16;
        var mode = *(uint*)(buffer + modeOffset);
        return (mode & FileTypeMask) == SocketType;
    }

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

    public static int ResolveUser(string owner)
    {
        if (int.TryParse(owner, out var uid))
        {
            return uid;
        }

        var entry = getpwnam(owner);
        return entry == 0 ? throw new InvalidOperationException($"No user named '{owner}'.") : Marshal.ReadInt32(entry, PasswdUidOffset);
    }

    public static int ResolveGroup(string group)
    {
        if (int.TryParse(group, out var gid))
        {
            return gid;
        }

        var entry = getgrnam(group);
        return entry == 0 ? throw new InvalidOperationException($"No group named '{group}'.") : Marshal.ReadInt32(entry, GroupGidOffset);
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int lstat(string path, byte* buffer);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int chown(string path, int owner, int group);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getpwnam(string name);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getgrnam(string name);
}
