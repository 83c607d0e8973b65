namespace Bridge.Server.Metrics;

/// <summary>
/// Request counters of one server, read once a second by the supervisor agent. Updated with Interlocked on the
/// request path; the oldest in-flight request is found from a fixed table of start timestamps (no allocation,
/// no lock), so it stays cheap however many requests run.
/// </summary>
public sealed class ServerStatistics
{
    // Slots for the start timestamps of requests in flight. More concurrent requests than slots still count;
    // only the oldest-in-flight age may then miss one.
    private const int SlotCount = 512;
    private const long EmptySlot = 0;

    private readonly TimeProvider _time;
    private readonly long[] _starts = new long[SlotCount];
    private long _requests;
    private long _inFlight;
    private long _exceptions;
    private long _requestTicks;
    private long _upgraded;

    internal ServerStatistics(TimeProvider time) => _time = time;

    /// <summary>Requests completed (any status).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests in flight now.</summary>
    public int InFlight => (int)Interlocked.Read(ref _inFlight);

    /// <summary>
    /// Upgraded connections open now (WebSockets, and any other protocol a request switched to with a 101). An
    /// upgraded request counts as completed, and leaves <see cref="InFlight"/>, when its 101 is answered: a tunnel
    /// open for hours is no request stuck in flight (harakiri), and its time does not skew the request durations.
    /// </summary>
    public int Upgraded => (int)Interlocked.Read(ref _upgraded);

    /// <summary>Application failures answered with a 5xx (an unhandled exception or a request deadline).</summary>
    public long Exceptions => Interlocked.Read(ref _exceptions);

    /// <summary>Time spent in completed requests, in milliseconds.</summary>
    public double RequestTimeMsTotal => Interlocked.Read(ref _requestTicks) * 1000.0 / _time.TimestampFrequency;

    /// <summary>Marks a request as in flight; returns the slot to give back to <see cref="EndRequest"/> (-1: untracked).</summary>
    internal int BeginRequest(long startTimestamp)
    {
        Interlocked.Increment(ref _inFlight);
        var stored = startTimestamp == EmptySlot ? 1 : startTimestamp;
        var first = (int)((uint)Environment.CurrentManagedThreadId * 31u % SlotCount);
        for (var i = 0; i < SlotCount; i++)
        {
            var slot = (first + i) % SlotCount;
            if (Volatile.Read(ref _starts[slot]) == EmptySlot && Interlocked.CompareExchange(ref _starts[slot], stored, EmptySlot) == EmptySlot)
            {
                return slot;
            }
        }

        return -1;
    }

    internal void EndRequest(int slot, long elapsedTicks)
    {
        if (slot >= 0)
        {
            Volatile.Write(ref _starts[slot], EmptySlot);
        }

        Interlocked.Add(ref _requestTicks, Math.Max(0, elapsedTicks));
        Interlocked.Increment(ref _requests);
        Interlocked.Decrement(ref _inFlight);
    }

    /// <summary>The request in <paramref name="slot"/> was answered with a 101: it is complete, and its connection now counts as upgraded.</summary>
    internal void Upgrade(int slot, long elapsedTicks)
    {
        Interlocked.Increment(ref _upgraded);
        EndRequest(slot, elapsedTicks);
    }

    /// <summary>An upgraded connection ended.</summary>
    internal void EndUpgrade() => Interlocked.Decrement(ref _upgraded);

    internal void CountException() => Interlocked.Increment(ref _exceptions);

    /// <summary>Age of the oldest request in flight, in milliseconds; 0 when nothing is in flight.</summary>
    public double OldestInFlightMs()
    {
        var oldest = long.MaxValue;
        for (var i = 0; i < SlotCount; i++)
        {
            var start = Volatile.Read(ref _starts[i]);
            if (start != EmptySlot && start < oldest)
            {
                oldest = start;
            }
        }

        return oldest == long.MaxValue ? 0 : Math.Max(0, _time.GetElapsedTime(oldest).TotalMilliseconds);
    }
}
