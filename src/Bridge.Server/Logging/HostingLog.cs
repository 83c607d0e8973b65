using Microsoft.Extensions.Logging;

namespace Bridge.Server.Logging;

internal static partial class HostingLog
{
    [LoggerMessage(401, LogLevel.Information, "Listening on {Address} ({Protocol}, backlog {Backlog}{Permissions}).")]
    public static partial void Listening(this ILogger logger, string address, string protocol, int backlog, string permissions);

    [LoggerMessage(402, LogLevel.Information, "Removed the stale socket file {Path} (nothing was listening on it).")]
    public static partial void StaleSocketRemoved(this ILogger logger, string path);

    [LoggerMessage(403, LogLevel.Information, "Stopping: no new connections; waiting up to {Timeout} for {Count} open connection(s).")]
    public static partial void Stopping(this ILogger logger, TimeSpan timeout, int count);

    [LoggerMessage(404, LogLevel.Warning, "Stop timed out after {Timeout}: aborting {Count} connection(s).")]
    public static partial void StopTimedOut(this ILogger logger, TimeSpan timeout, int count);

    [LoggerMessage(405, LogLevel.Information, "Removed the socket file {Path}.")]
    public static partial void SocketRemoved(this ILogger logger, string path);

    [LoggerMessage(407, LogLevel.Warning, "Left the socket file {Path} in place: it is no longer the socket this server created (another server now listens there).")]
    public static partial void SocketReplaced(this ILogger logger, string path);

    [LoggerMessage(408, LogLevel.Warning, "The open-files limit ({OpenFiles}) allows {Connections} connections at once and {Threads} I/O threads per listener, fewer than configured (Bridge:Limits:MaxConcurrentConnections {ConfiguredConnections}, MaxIoThreads {ConfiguredThreads}); the rest is kept for the runtime and the app. Raise it with LimitNOFILE= (systemd), --ulimit nofile= (docker) or ulimit -n.")]
    public static partial void DescriptorBudgetLowered(this ILogger logger, long openFiles, int connections, int threads, int configuredConnections, int configuredThreads);
    [LoggerMessage(409, LogLevel.Warning, "{Problem}")]
    public static partial void SocketClosedToNginx(this ILogger logger, string problem);

    [LoggerMessage(410, LogLevel.Information, "Stopping: {Count} upgraded connection(s) (WebSockets) still open {Elapsed} into the stop: told to go away (WebSockets closed with 1001); the rest are cut when Bridge:Limits:ShutdownTimeout ends.")]
    public static partial void GoingAway(this ILogger logger, int count, TimeSpan elapsed);

    [LoggerMessage(411, LogLevel.Error, "Stopping: a callback on GoingAway failed.")]
    public static partial void GoingAwayCallbackFailed(this ILogger logger, Exception exception);

    [LoggerMessage(406, LogLevel.Information, "Stopped.")]
    public static partial void Stopped(this ILogger logger);
}
