using Microsoft.Extensions.Logging;

namespace Bridge.Cli;

/// <summary>The supervisor's log lines (category Bridge.Cli.Supervisor, event ids 5xx).</summary>
internal static partial class SupervisorLog
{
    public const string Category = "Bridge.Cli.Supervisor";

    [LoggerMessage(501, LogLevel.Information, "Supervisor {Pid} starting {Workers} worker(s) of: {Command}.")]
    public static partial void Starting(this ILogger logger, int pid, int workers, string command);

    [LoggerMessage(502, LogLevel.Information, "Listening on {Address} ({Protocol}, backlog {Backlog}), inherited by workers as fd {Fd}.")]
    public static partial void Listening(this ILogger logger, string address, string protocol, int backlog, int fd);

    [LoggerMessage(503, LogLevel.Information, "Worker {Slot} (generation {Generation}) started: pid {Pid}.")]
    public static partial void WorkerStarted(this ILogger logger, int slot, int generation, int pid);

    [LoggerMessage(504, LogLevel.Information, "Worker {Slot} (pid {Pid}, generation {Generation}) is ready.")]
    public static partial void WorkerReady(this ILogger logger, int slot, int pid, int generation);

    [LoggerMessage(505, LogLevel.Warning, "Worker {Slot} (pid {Pid}, generation {Generation}) exited unexpectedly with {Status}; restarting it in {Delay}.")]
    public static partial void WorkerDied(this ILogger logger, int slot, int pid, int generation, string status, TimeSpan delay);

    [LoggerMessage(506, LogLevel.Information, "Worker {Slot} (pid {Pid}, generation {Generation}) exited with {Status}.")]
    public static partial void WorkerExited(this ILogger logger, int slot, int pid, int generation, string status);

    [LoggerMessage(507, LogLevel.Information, "Reload ({Reason}): starting generation {Generation}.")]
    public static partial void ReloadStarted(this ILogger logger, string reason, int generation);

    [LoggerMessage(508, LogLevel.Information, "Generation {Generation} is ready: stopping the previous workers.")]
    public static partial void ReloadCompleted(this ILogger logger, int generation);

    [LoggerMessage(509, LogLevel.Error, "Generation {Generation} failed ({Reason}): stopping it and keeping the running workers.")]
    public static partial void ReloadFailed(this ILogger logger, int generation, string reason);

    [LoggerMessage(510, LogLevel.Warning, "Reload ignored: generation {Generation} is still starting.")]
    public static partial void ReloadIgnored(this ILogger logger, int generation);

    [LoggerMessage(511, LogLevel.Information, "Recycling worker {Slot} (pid {Pid}): {Reason}.")]
    public static partial void RecycleQueued(this ILogger logger, int slot, int pid, string reason);

    [LoggerMessage(512, LogLevel.Information, "Worker {Slot} recycled: pid {OldPid} replaced by pid {NewPid}.")]
    public static partial void Recycled(this ILogger logger, int slot, int oldPid, int newPid);

    [LoggerMessage(513, LogLevel.Warning, "Recycling worker {Slot} (pid {Pid}) failed: {Reason}; keeping it.")]
    public static partial void RecycleFailed(this ILogger logger, int slot, int pid, string reason);

    [LoggerMessage(514, LogLevel.Information, "Stopping ({Reason}): SIGTERM to {Count} worker(s), waiting up to {Timeout}.")]
    public static partial void Stopping(this ILogger logger, string reason, int count, TimeSpan timeout);

    [LoggerMessage(515, LogLevel.Warning, "Worker {Slot} (pid {Pid}) did not stop in time: SIGKILL.")]
    public static partial void Killed(this ILogger logger, int slot, int pid);

    [LoggerMessage(516, LogLevel.Critical, "No worker ever became ready and {Failures} worker starts in a row failed: giving up. Check the app command and its log above.")]
    public static partial void NeedApp(this ILogger logger, int failures);

    [LoggerMessage(517, LogLevel.Error, "Worker {Slot} could not be started: {Message}")]
    public static partial void StartFailed(this ILogger logger, int slot, string message);

    [LoggerMessage(518, LogLevel.Debug, "Ignored a {Length}-byte control datagram that is not a worker message.")]
    public static partial void DatagramIgnored(this ILogger logger, int length);

    [LoggerMessage(520, LogLevel.Information, "Stopped (exit code {ExitCode}).")]
    public static partial void Stopped(this ILogger logger, int exitCode);

    [LoggerMessage(521, LogLevel.Information, "Worker {Slot} (pid {Pid}) is stopping.")]
    public static partial void WorkerStopping(this ILogger logger, int slot, int pid);
}
