using System.Globalization;
using System.Runtime.InteropServices;

namespace Bridge.Server.Listeners;

/// <summary>
/// Whether nginx's workers can open a socket file: connecting needs write permission, checked as the kernel does
/// (owner, else group, else others) for the users nginx's workers usually run as that exist on this machine
/// (www-data on Debian, nginx on RHEL, http on Arch; nobody, nginx's built-in default, only when none of those).
/// </summary>
internal static partial class SocketAccess
{
    private static readonly string[] WorkerUsers = ["www-data", "nginx", "http"];
    private const string FallbackUser = "nobody";
    private const int MaxGroups = 256;

    /// <summary>
    /// Null when one of the usual worker users may connect to the socket at <paramref name="path"/> (or none exists
    /// here, so there is nothing to say); else a sentence naming the socket's owner, group and mode, the users that
    /// cannot connect and the option that fixes it.
    /// </summary>
    public static string? Problem(string path)
    {
        if (OperatingSystem.IsWindows() || UnixFileSystem.Owner(path) is not { } owner)
        {
            return null;
        }

        var (uid, gid) = owner;

        var mode = (int)File.GetUnixFileMode(path);
        var users = WorkerUsers.Select(Lookup).Where(u => u is not null).ToList();
        if (users.Count == 0 && Lookup(FallbackUser) is { } fallback)
        {
            users.Add(fallback);
        }

        if (users.Count == 0 || users.Any(u => MayWrite(u!.Value, uid, gid, mode)))
        {
            return null;
        }

        var first = users[0]!.Value;
        var fixGroup = GroupName(first.Gid);
        return $"The socket {path} is {UserName(uid)}:{GroupName(gid)} with mode {Convert.ToString(mode & 0x1FF, 8).PadLeft(4, '0')}: "
            + $"nginx's workers ({string.Join(", ", users.Select(u => u!.Value.Name))}) cannot connect, and nginx will answer 502 "
            + $"(\"connect() ... failed (13: Permission denied)\"). Give it their group: --socket-group {fixGroup} "
            + "(Bridge:Listeners:N:SocketGroup), or run the app with that group.";
    }

    // Connecting to a Unix socket needs write permission; the kernel checks owner, else group, else others.
    private static bool MayWrite((string Name, int Uid, int Gid, int[] Groups) user, int uid, int gid, int mode) =>
        user.Uid == 0
        || (user.Uid == uid ? (mode & 0x80) != 0 // 0200
            : user.Groups.Contains(gid) ? (mode & 0x10) != 0 // 0020
            : (mode & 0x2) != 0); // 0002

    private static (string Name, int Uid, int Gid, int[] Groups)? Lookup(string name)
    {
        if (UnixFileSystem.FindUser(name) is not { } user)
        {
            return null;
        }

        var (uid, gid) = user;
        var groups = new int[MaxGroups];
        var count = MaxGroups;
        return getgrouplist(name, gid, groups, ref count) < 0 ? (name, uid, gid, [gid]) : (name, uid, gid, groups[..count]);
    }

    private static string UserName(int uid) => getpwuid(uid) is var entry and not 0 && Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(entry)) is { } name
        ? name
        : uid.ToString(CultureInfo.InvariantCulture);

    private static string GroupName(int gid) => getgrgid(gid) is var entry and not 0 && Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(entry)) is { } name
        ? name
        : gid.ToString(CultureInfo.InvariantCulture);

    [LibraryImport("libc")]
    private static partial nint getpwuid(int uid);

    [LibraryImport("libc")]
    private static partial nint getgrgid(int gid);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int getgrouplist(string user, int group, [Out] int[] groups, ref int count);
}
