using Bridge.Server.Gateway;
using Bridge.Server.Logging;
using Microsoft.Extensions.Logging;

namespace Bridge.Server.Connections;

/// <summary>
/// One line per request when Bridge:AccessLog is on (method, target, status, bytes, duration; 499 when aborted). An
/// upgraded request's line is written when its tunnel ends, as nginx's: 101, the bytes the app sent through the
/// tunnel, the tunnel's whole lifetime. The
/// method and target come from the wire: <see cref="LogValue"/> escapes their control characters.
/// </summary>
internal static class AccessLog
{
    private static readonly EventId AccessEvent = new(AccessLogEntry.EventId, "AccessLine");

    public static void Write(ServerContext server, GatewayContext context)
    {
        if (!server.AccessLogEnabled)
        {
            return;
        }

        var entry = new AccessLogEntry(
            LogValue.Escape(context.Request.Method),
            LogValue.Escape(context.Request.RawTarget),
            RequestExecution.StatusFor(context),
            context.Tunnel?.BytesSent ?? context.Writer.BytesWritten,
            server.ElapsedMilliseconds(context.StartTimestamp),
            context.Gateway == GatewayProtocol.Uwsgi ? "uwsgi" : "fastcgi");
        server.AccessLogger.Log(LogLevel.Information, AccessEvent, entry, null, AccessLogEntry.Formatter);
    }
}
