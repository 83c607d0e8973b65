using System.Runtime.InteropServices;

namespace Bridge.Cli;

/// <summary>
/// The libc calls the supervisor needs and .NET does not offer: clearing FD_CLOEXEC so a listening socket survives
/// exec at the same number, and kill(2) for signals to our own children. Linux, glibc.
/// </summary>
internal static partial class NativeMethods
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private const int GetDescriptorFlags = 1; // F_GETFD
    private const int SetDescriptorFlags = 2; // F_SETFD
    private const int CloseOnExec = 1;        // FD_CLOEXEC

    /// <summary>Lets <paramref name="fd"/> be inherited by exec'd children at the same number.</summary>
    public static void ClearCloseOnExec(int fd)
    {
        var flags = fcntl(fd, GetDescriptorFlags, 0);
        if (flags < 0 || fcntl(fd, SetDescriptorFlags, flags & ~CloseOnExec) < 0)
        {
            throw new IOException($"Cannot make the listening socket fd {fd} inheritable (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false if the process is already gone.</summary>
    public static bool Signal(int pid, int signal) => kill(pid, signal) == 0;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
