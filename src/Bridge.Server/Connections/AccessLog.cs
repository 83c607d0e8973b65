using Bridge.Server.Gateway;
using Bridge.Server.Logging;

namespace Bridge.Server.Connections;

/// <summary>One line per request when Bridge:AccessLog is on (method, target, status, bytes, duration).</summary>
internal static class AccessLog
{
    public static void Write(ServerContext server, GatewayContext context)
    {
        if (!server.AccessLogEnabled)
        {
            return;
        }

        server.AccessLogger.AccessLine(
            context.Request.Method,
            context.Request.RawTarget,
            context.Response.StatusCode,
            context.Writer.BytesWritten,
            server.ElapsedMilliseconds(context.StartTimestamp),
            context.Gateway == GatewayProtocol.Uwsgi ? "uwsgi" : "fastcgi");
    }
}
