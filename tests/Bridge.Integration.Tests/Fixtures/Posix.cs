using System.Runtime.InteropServices;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>The libc calls .NET lacks: send a signal to one PID (Process.Kill only sends SIGKILL), and who we are.</summary>
internal static partial class Posix
{
    public const int SigQuit = 3;   // nginx: graceful shutdown
    public const int SigTerm = 15;  // Bridge: drain and exit 0
    private const int NoSuchProcess = 3; // ESRCH

    public static bool IsRoot => geteuid() == 0;

    /// <summary>Sends <paramref name="signal"/> to exactly <paramref name="pid"/>; a process that is already gone is fine.</summary>
    public static void Signal(int pid, int signal)
    {
        if (kill(pid, signal) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != NoSuchProcess)
        {
            throw new IOException($"kill({pid}, {signal}) failed with errno {errno}.");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
