using Microsoft.Extensions.Logging;

namespace Bridge.Cli.Stats;

// 48x: the supervisor's stats endpoint.
internal static partial class StatsLog
{
    [LoggerMessage(480, LogLevel.Information, "Stats on {Address} (raw JSON on connect, GET / for JSON, GET /metrics for Prometheus).")]
    public static partial void StatsListening(this ILogger logger, string address);

    [LoggerMessage(481, LogLevel.Debug, "A stats client failed: {Reason}.")]
    public static partial void StatsClientFailed(this ILogger logger, string reason);

    [LoggerMessage(482, LogLevel.Warning, "The stats snapshot failed.")]
    public static partial void StatsSnapshotFailed(this ILogger logger, Exception exception);
}
