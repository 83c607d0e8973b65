namespace Bridge.Server.Gateway;

/// <summary>
/// A request's deadline (<c>Bridge:Limits:RequestTimeout</c>): the heartbeat expires it, which ends the wait for
/// the app so its 504 can go out while the app (cancelled) may still run.
/// </summary>
internal sealed class RequestDeadline(ServerContext server)
{
    private TaskCompletionSource? _reached;

    /// <summary>The timestamp past which the request times out; <see cref="long.MaxValue"/> when it has none.</summary>
    public long At { get; private set; } = long.MaxValue;

    /// <summary>True once the deadline passed.</summary>
    public bool Expired { get; private set; }

    /// <summary>Completes when the deadline passes; null when the request has none.</summary>
    public Task? Reached => _reached?.Task;

    public void Start(long startTimestamp)
    {
        Expired = false;
        if (server.RequestTimeoutTicks is { } timeout)
        {
            At = startTimestamp + timeout;
            _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        else
        {
            At = long.MaxValue;
            _reached = null;
        }
    }

    public void Expire()
    {
        At = long.MaxValue;
        Expired = true;
        _reached?.TrySetResult();
    }
}
