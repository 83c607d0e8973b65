using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Bridge.Cli;

/// <summary>
/// A reload in progress: a new generation of N workers starts beside the running one; when all are ready they take
/// the slots and the old workers get SIGTERM. If one fails to start or exits, or the graceful timeout passes first,
/// the new generation is stopped and the old one keeps serving. The listening sockets never close.
/// </summary>
internal sealed class GenerationReload
{
    private readonly List<WorkerProcess> _workers;
    private readonly DateTimeOffset _deadline;
    private readonly TimeSpan _gracefulTimeout;
    private readonly ILogger _logger;

    private GenerationReload(int generation, List<WorkerProcess> workers, DateTimeOffset deadline, TimeSpan gracefulTimeout, ILogger logger)
    {
        Generation = generation;
        _workers = workers;
        _deadline = deadline;
        _gracefulTimeout = gracefulTimeout;
        _logger = logger;
    }

    public int Generation { get; }

    /// <summary>Starts every slot's new worker; null (after logging and stopping those started) if one cannot start.</summary>
    public static GenerationReload? Begin(IReadOnlyList<WorkerSlot> slots, int generation, string reason, DateTimeOffset now, TimeSpan gracefulTimeout,
        Func<WorkerSlot, int, WorkerProcess?> start, ILogger logger)
    {
        logger.ReloadStarted(reason, generation);
        var workers = new List<WorkerProcess>(slots.Count);
        var reload = new GenerationReload(generation, workers, now + gracefulTimeout, gracefulTimeout, logger);
        foreach (var slot in slots)
        {
            if (start(slot, generation) is not { } worker)
            {
                reload.Fail(now, $"worker {slot.Id} could not be started");
                return null;
            }

            workers.Add(worker);
        }

        return reload;
    }

    public bool Contains(WorkerProcess worker) => _workers.Contains(worker);

    /// <summary>true when the reload is over (done or failed): all ready → swap; past the deadline → fail.</summary>
    public bool Advance(IReadOnlyList<WorkerSlot> slots, DateTimeOffset now)
    {
        if (_workers.TrueForAll(w => w.State == WorkerState.Ready))
        {
            _logger.ReloadCompleted(Generation);
            foreach (var worker in _workers)
            {
                var slot = slots[worker.Slot - 1];
                slot.Current?.Terminate(now, _gracefulTimeout);
                slot.Current = worker;
                slot.RestartAt = null;
                slot.ResetBackoff();
            }

            return true;
        }

        if (now >= _deadline)
        {
            Fail(now, $"not every worker was ready within {_gracefulTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
            return true;
        }

        return false;
    }

    /// <summary>Stops the new generation; the running workers stay.</summary>
    public void Fail(DateTimeOffset now, string reason)
    {
        _logger.ReloadFailed(Generation, reason);
        foreach (var worker in _workers)
        {
            worker.Terminate(now, _gracefulTimeout);
        }
    }
}
