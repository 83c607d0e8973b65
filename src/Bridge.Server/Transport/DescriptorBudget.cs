namespace Bridge.Server.Transport;

/// <summary>
/// How many connections and I/O threads the process's open-files limit allows. Each connection holds a descriptor
/// and each I/O thread two (its eventfd and epoll set). What is open at start (a .NET process holds a hundred or
/// more: its assemblies, pipes, the log) and a share for what comes later are kept back for the runtime, which
/// cannot even start a thread once the limit is reached (it then aborts the process), and for the app's own files.
/// Bridge stays within the rest, so a flood of connections waits in the listen queue instead of running the process
/// out of descriptors. (.NET raises the soft limit to the hard one at start: that is the limit meant here.)
/// </summary>
internal readonly record struct DescriptorBudget(long OpenFilesLimit, int MaxConnections, int MaxIoThreads)
{
    private const int FixedReserve = 64;   // assemblies loaded later, the host, logging, a few files of the app
    private const int ReserveShare = 16;   // and 1/16 of the limit for the app

    /// <summary>
    /// The budget for <paramref name="listeners"/> listeners under <paramref name="openFilesLimit"/> with
    /// <paramref name="openNow"/> descriptors already open, capped by the configured values.
    /// </summary>
    public static DescriptorBudget Compute(long openFilesLimit, long openNow, int listeners, int maxConnections, int maxIoThreads)
    {
        listeners = Math.Max(1, listeners);
        var available = Math.Max(16, openFilesLimit - openNow - FixedReserve - (openFilesLimit / ReserveShare) - DescriptorReserve.Size);
        var threads = (int)Math.Clamp(available / 4 / listeners / 2, 2, maxIoThreads); // threads take at most a quarter
        var connections = (int)Math.Clamp(available - (listeners * ((threads * 2L) + 1)) - 2, 1, maxConnections);
        return new DescriptorBudget(openFilesLimit, connections, threads);
    }

    /// <summary>The budget under this process's current open-files limit.</summary>
    public static DescriptorBudget ForThisProcess(int listeners, int maxConnections, int maxIoThreads)
        => Compute(Native.OpenFilesLimit(), OpenNow(), listeners, maxConnections, maxIoThreads);

    private static long OpenNow()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").LongCount();
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
