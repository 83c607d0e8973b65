using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Bridge.Cli;

/// <summary>
/// Replaces workers that reached a limit (max-requests + jitter, max-rss, max-lifetime, harakiri) one at a time:
/// a replacement starts in the same slot, and only once it is ready does the old worker get SIGTERM (and, for
/// harakiri, SIGKILL after a short grace since its request is stuck). A queue keeps them from all going at once.
/// </summary>
internal sealed class Recycler(RunOptions options, ILogger logger)
{
    private static readonly TimeSpan HarakiriGrace = TimeSpan.FromSeconds(2);
    private const double BytesPerMiB = 1024 * 1024;

    private readonly Queue<WorkerProcess> _queue = new();
    private Replacement? _active;

    /// <summary>Queues <paramref name="worker"/> if it is ready, not already queued, and over a limit.</summary>
    public void Check(WorkerProcess worker, DateTimeOffset now)
    {
        if (worker.State != WorkerState.Ready || worker.RecycleReason is not null || Reason(worker, now) is not { } reason)
        {
            return;
        }

        worker.RecycleReason = reason;
        _queue.Enqueue(worker);
        logger.RecycleQueued(worker.Slot, worker.Pid, reason);
    }

    /// <summary>Finishes the replacement in progress if it is ready (or gives it up at its deadline), then starts the next.</summary>
    public void Advance(IReadOnlyList<WorkerSlot> slots, DateTimeOffset now, bool canStart, Func<WorkerSlot, int, WorkerProcess?> start)
    {
        if (_active is { } active)
        {
            if (active.New.State == WorkerState.Ready)
            {
                active.Slot.Current = active.New;
                active.Old.Terminate(now, IsHarakiri(active.Old) ? HarakiriGrace : options.GracefulTimeout);
                logger.Recycled(active.Slot.Id, active.Old.Pid, active.New.Pid);
                _active = null;
            }
            else if (now >= active.Deadline)
            {
                Fail(active, now, $"its replacement (pid {active.New.Pid}) was not ready within {options.GracefulTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
            }
            else
            {
                return;
            }
        }

        while (canStart && _queue.TryDequeue(out var old))
        {
            var slot = slots[old.Slot - 1];
            if (slot.Current != old || old.State != WorkerState.Ready)
            {
                continue; // replaced, stopped or dead since it was queued
            }

            if (start(slot, old.Generation) is not { } replacement)
            {
                old.RecycleReason = null;
                return;
            }

            _active = new Replacement(slot, old, replacement, now + options.GracefulTimeout);
            return;
        }
    }

    /// <summary>true if <paramref name="worker"/> was a replacement still starting: the recycling fails, the old worker stays.</summary>
    public bool ReplacementExited(WorkerProcess worker, DateTimeOffset now)
    {
        if (_active is not { } active || active.New != worker)
        {
            return false;
        }

        Fail(active, now, $"its replacement (pid {worker.Pid}) exited with {worker.DescribeExit()}");
        return true;
    }

    /// <summary>true if the dying <paramref name="worker"/> already has a replacement starting, which takes its slot.</summary>
    public bool PromoteReplacement(WorkerProcess worker)
    {
        if (_active is not { } active || active.Old != worker)
        {
            return false;
        }

        active.Slot.Current = active.New;
        _active = null;
        return true;
    }

    /// <summary>Stops the replacement in progress and forgets the queue (a reload or a stop replaces every worker anyway).</summary>
    public void Cancel(DateTimeOffset now)
    {
        if (_active is { } active)
        {
            active.New.Terminate(now, options.GracefulTimeout);
            active.Old.RecycleReason = null;
            _active = null;
        }

        while (_queue.TryDequeue(out var queued))
        {
            queued.RecycleReason = null;
        }
    }

    private void Fail(Replacement active, DateTimeOffset now, string reason)
    {
        logger.RecycleFailed(active.Slot.Id, active.Old.Pid, reason);
        active.New.Terminate(now, options.GracefulTimeout);
        active.Old.RecycleReason = null; // checked again, so it is retried
        _active = null;
    }

    private static bool IsHarakiri(WorkerProcess worker) => worker.RecycleReason?.StartsWith("harakiri", StringComparison.Ordinal) == true;

    private string? Reason(WorkerProcess worker, DateTimeOffset now)
    {
        var stats = worker.Stats;
        if (options.Harakiri is { } harakiri && stats is not null && stats.OldestInFlightMs >= harakiri.TotalMilliseconds)
        {
            return string.Create(CultureInfo.InvariantCulture, $"harakiri: a request has run {stats.OldestInFlightMs / 1000:0.#} s (limit {harakiri.TotalSeconds} s)");
        }

        if (worker.RequestLimit is { } limit && stats is not null && stats.Requests >= limit)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{stats.Requests} requests served (limit {limit})");
        }

        if (options.MaxRssBytes is { } maxRss && worker.RssBytes >= maxRss)
        {
            return string.Create(CultureInfo.InvariantCulture, $"RSS {worker.RssBytes / BytesPerMiB:0.#} MiB (limit {maxRss / BytesPerMiB} MiB)");
        }

        if (options.MaxLifetime is { } lifetime && now - worker.StartedAt >= lifetime)
        {
            return string.Create(CultureInfo.InvariantCulture, $"age {(now - worker.StartedAt).TotalSeconds:0} s (limit {lifetime.TotalSeconds} s)");
        }

        return null;
    }

    private sealed record Replacement(WorkerSlot Slot, WorkerProcess Old, WorkerProcess New, DateTimeOffset Deadline);
}
