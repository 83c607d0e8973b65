using System.Runtime.InteropServices;

namespace Bridge.Cli;

/// <summary>What wakes the supervisor's loop; everything that changes the worker table arrives as one of these.</summary>
internal abstract record SupervisorEvent
{
    /// <summary>A worker process has exited.</summary>
    public sealed record Exited(WorkerProcess Worker) : SupervisorEvent;

    /// <summary>A datagram from a worker.</summary>
    public sealed record Message(WorkerMessage Content) : SupervisorEvent;

    /// <summary>SIGHUP, SIGTERM or SIGINT.</summary>
    public sealed record Signal(PosixSignal Kind) : SupervisorEvent;

    /// <summary>Once a second: deadlines, polling (RSS, touch-reload), restarts.</summary>
    public sealed record Tick : SupervisorEvent;
}
