namespace Bridge.Cli;

/// <summary>A worker position 1..N: stable across respawns, with its restart backoff and counters.</summary>
internal sealed class WorkerSlot(int id)
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30); // gunicorn and uWSGI both cap respawn delays

    public int Id { get; } = id;

    public WorkerProcess? Current { get; set; }

    public int Respawns { get; set; }

    public int? LastExitCode { get; set; }

    /// <summary>When the slot's next worker starts after a failure; null when none is scheduled.</summary>
    public DateTimeOffset? RestartAt { get; set; }

    public TimeSpan Backoff { get; private set; }

    /// <summary>Doubles the delay for a worker that died young (1 s, 2 s, 4 s … 30 s); an older one restarts at once.</summary>
    public TimeSpan NextDelay(bool diedYoung)
    {
        Backoff = !diedYoung ? TimeSpan.Zero : Backoff == TimeSpan.Zero ? FirstBackoff : TimeSpan.FromTicks(Math.Min(Backoff.Ticks * 2, MaxBackoff.Ticks));
        return Backoff;
    }

    public void ResetBackoff() => Backoff = TimeSpan.Zero;
}
