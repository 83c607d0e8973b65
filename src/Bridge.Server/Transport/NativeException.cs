using System.Runtime.InteropServices;

namespace Bridge.Server.Transport;

/// <summary>A Linux call of the transport failed; <see cref="Errno"/> says why (EMFILE and ENFILE: out of descriptors).</summary>
internal sealed class NativeException : IOException
{
    public const int TooManyOpenFiles = 24;       // EMFILE: this process's limit (ulimit -n)
    public const int TooManyOpenFilesSystem = 23; // ENFILE: the system's limit

    public NativeException(string call, int errno)
        : base($"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).")
    {
        Call = call;
        Errno = errno;
    }

    public NativeException()
        : this("(unknown)", 0)
    {
    }

    public NativeException(string message)
        : base(message)
    {
        Call = "(unknown)";
    }

    public NativeException(string message, Exception innerException)
        : base(message, innerException)
    {
        Call = "(unknown)";
    }

    public string Call { get; }

    public int Errno { get; }

    /// <summary>Out of file descriptors, for the process or the system: it passes once some are closed.</summary>
    public bool IsDescriptorLimit => Errno is TooManyOpenFiles or TooManyOpenFilesSystem;

    public static NativeException Last(string call) => new(call, Marshal.GetLastPInvokeError());
}
