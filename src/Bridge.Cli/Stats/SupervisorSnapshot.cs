namespace Bridge.Cli.Stats;

/// <summary>What the stats endpoint reports: the supervisor, its listeners and its workers, at one moment.</summary>
internal sealed record SupervisorSnapshot(
    int Pid,
    double UptimeSeconds,
    int Generation,
    IReadOnlyList<ListenerSnapshot> Listeners,
    IReadOnlyList<WorkerSnapshot> Workers);

/// <summary>One listening socket; <see cref="ListenQueue"/> is read from the kernel as <c>ss -l</c> does (null if unknown).</summary>
internal sealed record ListenerSnapshot(string Address, string Protocol, int? ListenQueue, int Backlog);

/// <summary>One worker process.</summary>
internal sealed record WorkerSnapshot(
    int Id,
    int Pid,
    int Generation,
    string State,
    long Requests,
    int InFlight,
    int Upgraded,
    long Exceptions,
    int Respawns,
    long RssBytes,
    double UptimeSeconds,
    double AverageRequestMs,
    int? LastExitCode);
