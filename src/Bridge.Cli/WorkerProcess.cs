using System.Diagnostics;

namespace Bridge.Cli;

/// <summary>One worker process: its slot, generation, state, latest stats and exit, as the supervisor sees them.</summary>
internal sealed class WorkerProcess
{
    private readonly Process _process;
    private volatile bool _exited; // set before the exit event: never signal a pid that may have been reused

    private WorkerProcess(Process process, int slot, int generation, DateTimeOffset startedAt, long? requestLimit)
    {
        _process = process;
        Pid = process.Id;
        Slot = slot;
        Generation = generation;
        StartedAt = startedAt;
        RequestLimit = requestLimit;
    }

    public int Pid { get; }

    public int Slot { get; }

    public int Generation { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>max-requests plus this worker's jitter; null when requests do not recycle.</summary>
    public long? RequestLimit { get; }

    public WorkerState State { get; set; } = WorkerState.Starting;

    /// <summary>The latest stats datagram, if any.</summary>
    public WorkerMessage? Stats { get; set; }

    public long RssBytes { get; set; }

    /// <summary>Why it is being recycled; null when it is not.</summary>
    public string? RecycleReason { get; set; }

    /// <summary>When a signalled worker gets SIGKILL if it is still running.</summary>
    public DateTimeOffset? KillAt { get; private set; }

    public int? ExitCode { get; private set; }

    /// <summary>Starts the process; <paramref name="onExit"/> runs (on a pool thread) once it has exited.</summary>
    public static WorkerProcess Start(ProcessStartInfo startInfo, int slot, int generation, DateTimeOffset now, long? requestLimit, Action<WorkerProcess> onExit)
    {
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{startInfo.FileName} did not start.");
        var worker = new WorkerProcess(process, slot, generation, now, requestLimit);
        _ = worker.WatchAsync(onExit);
        return worker;
    }

    /// <summary>SIGTERM now, SIGKILL at <paramref name="now"/> + <paramref name="grace"/> unless it has exited.</summary>
    public void Terminate(DateTimeOffset now, TimeSpan grace)
    {
        if (_exited)
        {
            return;
        }

        State = WorkerState.Stopping;
        var deadline = now + grace;
        KillAt = KillAt is { } earlier && earlier < deadline ? earlier : deadline;
        NativeMethods.Signal(Pid, NativeMethods.SigTerm);
    }

    /// <summary>SIGKILL once its deadline has passed; true if it was sent.</summary>
    public bool KillIfOverdue(DateTimeOffset now)
    {
        if (_exited || KillAt is not { } deadline || now < deadline)
        {
            return false;
        }

        KillAt = null;
        return NativeMethods.Signal(Pid, NativeMethods.SigKill);
    }

    /// <summary>"exit code 3" or "signal 9": .NET reports a death by signal N as 128 + N.</summary>
    public string DescribeExit() => ExitCode switch
    {
        null => "an unknown status",
        > 128 and < 128 + 65 => $"signal {ExitCode - 128}",
        var code => $"exit code {code}",
    };

    private async Task WatchAsync(Action<WorkerProcess> onExit)
    {
        await _process.WaitForExitAsync();
        ExitCode = _process.ExitCode;
        _exited = true;
        _process.Dispose();
        onExit(this);
    }
}
