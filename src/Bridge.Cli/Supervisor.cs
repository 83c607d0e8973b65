using System.ComponentModel;
using System.Runtime.InteropServices;
using Bridge.Cli.Stats;
using Microsoft.Extensions.Logging;

namespace Bridge.Cli;

/// <summary>
/// Runs N workers over the inherited listeners and keeps them running: respawn with backoff, reload (SIGHUP or
/// --touch-reload), recycling, graceful stop (SIGTERM/SIGINT). Every change happens on one loop, one event at a
/// time (<see cref="SupervisorLoop"/> feeds the events and serializes access).
/// </summary>
internal sealed class Supervisor
{
    private const int NeedAppFailures = 5; // consecutive failed starts with no worker ever ready (uWSGI's need-app)
    private static readonly TimeSpan YoungDeath = TimeSpan.FromSeconds(2);

    private readonly RunOptions _options;
    private readonly IReadOnlyList<Listener> _listeners;
    private readonly WorkerLauncher _launcher;
    private readonly Recycler _recycler;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<SupervisorEvent> _post;
    private readonly WorkerSlot[] _slots;
    private readonly Dictionary<int, WorkerProcess> _live = [];
    private readonly DateTimeOffset _startedAt;

    private GenerationReload? _reload;
    private int _activeGeneration = 1;
    private int _lastGeneration = 1;
    private bool _everReady;
    private int _failuresWithoutReady;
    private bool _stopping;
    private int _exitCode;
    private TouchReloadWatcher? _touchReload;

    public Supervisor(RunOptions options, IReadOnlyList<Listener> listeners, string controlSocketPath, TimeProvider time, ILogger logger, Action<SupervisorEvent> post)
    {
        _options = options;
        _listeners = listeners;
        _time = time;
        _logger = logger;
        _post = post;
        _launcher = new WorkerLauncher(options, listeners, controlSocketPath);
        _recycler = new Recycler(options, logger);
        _slots = [.. Enumerable.Range(1, options.Workers).Select(id => new WorkerSlot(id))];
        _startedAt = time.GetUtcNow();
    }

    /// <summary>True once a stop has begun and every worker has exited.</summary>
    public bool IsFinished => _stopping && _live.Count == 0;

    /// <summary>0 after a requested stop, 1 if the app never started.</summary>
    public int ExitCode => _exitCode;

    /// <summary>Starts every slot's first worker.</summary>
    public void Start(DateTimeOffset now)
    {
        _logger.Starting(Environment.ProcessId, _options.Workers, string.Join(' ', _options.Command));
        _touchReload = new TouchReloadWatcher(_options.TouchReload);
        foreach (var slot in _slots)
        {
            StartOrScheduleRestart(slot, now);
        }
    }

    /// <summary>The stats endpoint's view of the table.</summary>
    public SupervisorSnapshot BuildSnapshot(DateTimeOffset now) =>
        SnapshotBuilder.Build(_startedAt, now, _activeGeneration, _listeners, _slots, _live.Values);

    /// <summary>Applies one event to the worker table.</summary>
    public void Handle(SupervisorEvent item, DateTimeOffset now)
    {
        switch (item)
        {
            case SupervisorEvent.Exited exited:
                OnExited(exited.Worker, now);
                break;
            case SupervisorEvent.Message message:
                OnMessage(message.Content, now);
                break;
            case SupervisorEvent.Signal { Kind: PosixSignal.SIGHUP }:
                BeginReload("SIGHUP", now);
                break;
            case SupervisorEvent.Signal signal:
                BeginStop(signal.Kind.ToString(), 0, now);
                break;
            case SupervisorEvent.Tick:
                OnTick(now);
                break;
        }
    }

    private void OnMessage(WorkerMessage message, DateTimeOffset now)
    {
        if (!_live.TryGetValue(message.Pid, out var worker))
        {
            return; // gone already, or not one of ours
        }

        switch (message.Type)
        {
            case WorkerMessage.Ready when worker.State == WorkerState.Starting:
                worker.State = WorkerState.Ready;
                _everReady = true;
                _failuresWithoutReady = 0;
                _logger.WorkerReady(worker.Slot, worker.Pid, worker.Generation);
                AdvanceReloadAndRecycling(now);
                break;
            case WorkerMessage.Stats:
                worker.Stats = message;
                if (!_stopping && _slots[worker.Slot - 1].Current == worker)
                {
                    _recycler.Check(worker, now);
                    AdvanceReloadAndRecycling(now);
                }

                break;
            case WorkerMessage.Stopping when worker.State != WorkerState.Stopping:
                worker.State = WorkerState.Stopping;
                _logger.WorkerStopping(worker.Slot, worker.Pid);
                break;
        }
    }

    private void OnExited(WorkerProcess worker, DateTimeOffset now)
    {
        _live.Remove(worker.Pid);
        worker.State = WorkerState.Exited;
        var slot = _slots[worker.Slot - 1];
        if (_stopping || slot.Current != worker)
        {
            _logger.WorkerExited(worker.Slot, worker.Pid, worker.Generation, worker.DescribeExit());
            if (!_stopping && _reload?.Contains(worker) == true)
            {
                _reload.Fail(now, $"worker {worker.Slot} (pid {worker.Pid}) exited with {worker.DescribeExit()}");
                _reload = null;
            }
            else if (!_stopping)
            {
                _recycler.ReplacementExited(worker, now);
            }

            return;
        }

        // The slot's own worker died without being told to stop.
        slot.Respawns++;
        slot.LastExitCode = worker.ExitCode;
        slot.Current = null;
        if (_recycler.PromoteReplacement(worker))
        {
            _logger.WorkerDied(worker.Slot, worker.Pid, worker.Generation, worker.DescribeExit(), TimeSpan.Zero);
            return;
        }

        if (!_everReady && ++_failuresWithoutReady >= NeedAppFailures)
        {
            _logger.WorkerExited(worker.Slot, worker.Pid, worker.Generation, worker.DescribeExit());
            _logger.NeedApp(_failuresWithoutReady);
            BeginStop("the app cannot start", 1, now);
            return;
        }

        var delay = slot.NextDelay(now - worker.StartedAt < YoungDeath);
        _logger.WorkerDied(worker.Slot, worker.Pid, worker.Generation, worker.DescribeExit(), delay);

        slot.RestartAt = now + delay;
        if (delay == TimeSpan.Zero)
        {
            StartOrScheduleRestart(slot, now);
        }
    }

    private void OnTick(DateTimeOffset now)
    {
        foreach (var worker in _live.Values)
        {
            if (worker.KillIfOverdue(now))
            {
                _logger.Killed(worker.Slot, worker.Pid);
            }
        }

        if (_stopping)
        {
            return;
        }

        if (_touchReload?.Poll() == true)
        {
            BeginReload("touched " + _touchReload.Path, now);
        }

        foreach (var worker in _live.Values)
        {
            if (ProcessInfo.TryReadRssBytes(worker.Pid, out var rss))
            {
                worker.RssBytes = rss;
            }
        }

        foreach (var slot in _slots)
        {
            if (slot.Current is null && slot.RestartAt <= now)
            {
                StartOrScheduleRestart(slot, now);
            }
            else if (slot.Current is { } current)
            {
                _recycler.Check(current, now);
            }
        }

        AdvanceReloadAndRecycling(now);
    }

    private void AdvanceReloadAndRecycling(DateTimeOffset now)
    {
        if (_stopping)
        {
            return;
        }

        if (_reload is not null && _reload.Advance(_slots, now))
        {
            if (_slots.All(s => s.Current?.Generation == _reload.Generation))
            {
                _activeGeneration = _reload.Generation;
            }

            _reload = null;
        }

        _recycler.Advance(_slots, now, canStart: _reload is null, Start);
    }

    private void BeginReload(string reason, DateTimeOffset now)
    {
        if (_stopping)
        {
            return;
        }

        if (_reload is not null)
        {
            _logger.ReloadIgnored(_reload.Generation);
            return;
        }

        _recycler.Cancel(now);
        _reload = GenerationReload.Begin(_slots, ++_lastGeneration, reason, now, _options.GracefulTimeout, Start, _logger);
    }

    private void BeginStop(string reason, int exitCode, DateTimeOffset now)
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _exitCode = exitCode;
        _reload = null;
        _recycler.Cancel(now);
        _logger.Stopping(reason, _live.Count, _options.GracefulTimeout);
        foreach (var worker in _live.Values)
        {
            worker.Terminate(now, _options.GracefulTimeout);
        }

        foreach (var slot in _slots)
        {
            slot.RestartAt = null;
        }

        _post(new SupervisorEvent.Tick()); // wakes the loop even when no worker is left to exit
    }

    // Starts the slot's worker now; a start that fails counts as a death at birth (backoff, need-app).
    private void StartOrScheduleRestart(WorkerSlot slot, DateTimeOffset now)
    {
        slot.RestartAt = null;
        slot.Current = Start(slot, _activeGeneration);
        if (slot.Current is not null)
        {
            return;
        }

        var delay = slot.NextDelay(diedYoung: true);
        if (!_everReady && ++_failuresWithoutReady >= NeedAppFailures)
        {
            _logger.NeedApp(_failuresWithoutReady);
            BeginStop("the app cannot start", 1, now);
            return;
        }

        slot.RestartAt = now + delay;
    }

    private WorkerProcess? Start(WorkerSlot slot, int generation)
    {
        try
        {
            var worker = WorkerProcess.Start(_launcher.Create(slot.Id, generation), slot.Id, generation, _time.GetUtcNow(), _launcher.RequestLimit(),
                w => _post(new SupervisorEvent.Exited(w)));
            _live[worker.Pid] = worker;
            _logger.WorkerStarted(slot.Id, generation, worker.Pid);
            return worker;
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or IOException)
        {
            _logger.StartFailed(slot.Id, ex.Message);
            return null;
        }
    }
}
