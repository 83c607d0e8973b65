namespace Bridge.Server.Gateway;

/// <summary>
/// A request's deadline (<c>Bridge:Limits:RequestTimeout</c>): the heartbeat expires it, which ends the wait for
/// the app so its 504 can go out while the app (cancelled) may still run. An upgrade stops it: the deadline covers
/// the request up to its 101, never the tunnel after it (a WebSocket may stay open for hours).
/// </summary>
internal sealed class RequestDeadline(ServerContext server)
{
    private const int Running = 0;
    private const int ExpiredState = 1;
    private const int Stopped = 2;

    private TaskCompletionSource? _reached;
    private long _at = long.MaxValue;
    private int _state;

    /// <summary>The timestamp past which the request times out; <see cref="long.MaxValue"/> when it has none.</summary>
    public long At => Volatile.Read(ref _at);

    /// <summary>True once the deadline passed.</summary>
    public bool Expired => Volatile.Read(ref _state) == ExpiredState;

    /// <summary>Completes when the deadline passes; null when the request has none.</summary>
    public Task? Reached => _reached?.Task;

    public void Start(long startTimestamp)
    {
        Volatile.Write(ref _state, Running);
        if (server.RequestTimeoutTicks is { } timeout)
        {
            _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _at, startTimestamp + timeout);
        }
        else
        {
            _reached = null;
            Volatile.Write(ref _at, long.MaxValue);
        }
    }

    /// <summary>The heartbeat found the deadline passed: false if it was stopped first (an upgrade), else it expires.</summary>
    public bool Expire()
    {
        if (Interlocked.CompareExchange(ref _state, ExpiredState, Running) != Running)
        {
            return false;
        }

        Volatile.Write(ref _at, long.MaxValue);
        _reached?.TrySetResult();
        return true;
    }

    /// <summary>An upgrade: the deadline no longer applies. False if it had already expired (the upgrade comes too late).</summary>
    public bool Stop()
    {
        var state = Interlocked.CompareExchange(ref _state, Stopped, Running);
        if (state == ExpiredState)
        {
            return false;
        }

        Volatile.Write(ref _at, long.MaxValue);
        return true;
    }
}
