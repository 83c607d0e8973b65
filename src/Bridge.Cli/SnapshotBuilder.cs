using Bridge.Cli.Stats;

namespace Bridge.Cli;

/// <summary>Turns the worker table and the listeners into the stats model.</summary>
internal static class SnapshotBuilder
{
    public static SupervisorSnapshot Build(DateTimeOffset startedAt, DateTimeOffset now, int generation, IReadOnlyList<Listener> listeners,
        IReadOnlyList<WorkerSlot> slots, IEnumerable<WorkerProcess> live)
    {
        var listenerSnapshots = new List<ListenerSnapshot>(listeners.Count);
        foreach (var listener in listeners)
        {
            int? queue = ListenQueueReader.TryRead(listener.Socket, out var queued) ? queued : null;
            listenerSnapshots.Add(new ListenerSnapshot(listener.Address, listener.ProtocolName, queue, listener.Backlog));
        }

        var workers = new List<WorkerSnapshot>();
        foreach (var worker in live.OrderBy(w => w.Slot).ThenBy(w => w.Generation).ThenBy(w => w.StartedAt))
        {
            var slot = slots[worker.Slot - 1];
            var stats = worker.Stats;
            var requests = stats?.Requests ?? 0;
            workers.Add(new WorkerSnapshot(
                worker.Slot,
                worker.Pid,
                worker.Generation,
                worker.State.ToString().ToLowerInvariant(),
                requests,
                stats?.InFlight ?? 0,
                stats?.Upgraded ?? 0,
                stats?.Exceptions ?? 0,
                slot.Respawns,
                worker.RssBytes,
                (now - worker.StartedAt).TotalSeconds,
                requests > 0 ? stats!.RequestTimeMsTotal / requests : 0,
                slot.LastExitCode));
        }

        return new SupervisorSnapshot(Environment.ProcessId, (now - startedAt).TotalSeconds, generation, listenerSnapshots, workers);
    }
}
