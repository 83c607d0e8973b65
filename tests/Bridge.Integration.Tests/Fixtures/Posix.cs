using System.Runtime.InteropServices;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>The libc calls .NET lacks: send a signal to one PID (Process.Kill only sends SIGKILL), who we are, chgrp, a file's group, ln.</summary>
internal static partial class Posix
{
    public const int SigInt = 2;    // uWSGI master: stop (its SIGTERM means reload)
    public const int SigQuit = 3;   // nginx: graceful shutdown
    public const int SigTerm = 15;  // Bridge: drain and exit 0
    private const int NoSuchProcess = 3; // ESRCH
    private const uint KeepOwner = uint.MaxValue; // chown's (uid_t)-1: leave the owner as it is
    private const int StatBufferSize = 256; // struct stat is 144 bytes on x86-64, 128 on arm64

    public static bool IsRoot => geteuid() == 0;

    /// <summary>Sends <paramref name="signal"/> to exactly <paramref name="pid"/>; a process that is already gone is fine.</summary>
    public static void Signal(int pid, int signal)
    {
        if (kill(pid, signal) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != NoSuchProcess)
        {
            throw new IOException($"kill({pid}, {signal}) failed with errno {errno}.");
        }
    }

    /// <summary>chgrp <paramref name="group"/> <paramref name="path"/>, the group looked up in /etc/group.</summary>
    public static void ChangeGroup(string path, string group)
    {
        var entry = File.ReadLines("/etc/group").Select(l => l.Split(':')).FirstOrDefault(f => f.Length > 2 && f[0] == group)
            ?? throw new InvalidOperationException($"No group {group} in /etc/group.");
        var gid = uint.Parse(entry[2], System.Globalization.CultureInfo.InvariantCulture);
        if (chown(path, KeepOwner, gid) != 0)
        {
            throw new IOException($"chown({path}, -1, {gid}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>The gid of <paramref name="path"/> (lstat's st_gid; glibc's 64-bit layouts).</summary>
    public static unsafe int GroupOf(string path)
    {
        var buffer = stackalloc byte[StatBufferSize];
        if (lstat(path, buffer) != 0)
        {
            throw new IOException($"lstat({path}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }

        // st_dev, st_ino, then st_nlink, st_mode, st_uid, st_gid on x86-64; st_mode, st_nlink, st_uid, st_gid on arm64.
        return *(int*)(buffer + (RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 32 : 28));
    }

    /// <summary>ln <paramref name="existing"/> <paramref name="path"/>: a second name for the same file.</summary>
    public static void HardLink(string existing, string path)
    {
        if (link(existing, path) != 0)
        {
            throw new IOException($"link({existing}, {path}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string existing, string path);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int lstat(string path, byte* buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chown(string path, uint owner, uint group);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
