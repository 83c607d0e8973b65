using Bridge.Server.Gateway;
using Bridge.Server.Logging;

namespace Bridge.Server.Connections;

/// <summary>
/// One line per request when Bridge:AccessLog is on (method, target, status, bytes, duration; 499 when aborted). The
/// method and target come from the wire: <see cref="LogValue"/> escapes their control characters.
/// </summary>
internal static class AccessLog
{
    private const int ClientClosedRequest = 499;

    public static void Write(ServerContext server, GatewayContext context)
    {
        if (!server.AccessLogEnabled)
        {
            return;
        }

        server.AccessLogger.AccessLine(
            LogValue.Escape(context.Request.Method),
            LogValue.Escape(context.Request.RawTarget),
            StatusFor(context),
            context.Writer.BytesWritten,
            server.ElapsedMilliseconds(context.StartTimestamp),
            context.Gateway == GatewayProtocol.Uwsgi ? "uwsgi" : "fastcgi");
    }

    // nginx's 499 "client closed request": an aborted request whose answer never reached anyone.
    private static int StatusFor(GatewayContext context)
        => context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? ClientClosedRequest : context.Response.StatusCode;
}
