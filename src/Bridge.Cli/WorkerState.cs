namespace Bridge.Cli;

/// <summary>Where a worker is in its life, as the stats report it.</summary>
internal enum WorkerState
{
    /// <summary>Started; its ready datagram has not arrived.</summary>
    Starting,

    /// <summary>Every listener accepts.</summary>
    Ready,

    /// <summary>Told to stop (SIGTERM) or stopping by itself.</summary>
    Stopping,

    /// <summary>Exited.</summary>
    Exited,
}
