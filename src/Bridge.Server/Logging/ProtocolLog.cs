using Bridge.Protocol;
using Microsoft.Extensions.Logging;

namespace Bridge.Server.Logging;

internal static partial class ProtocolLog
{
    [LoggerMessage(201, LogLevel.Information, "Connection {ConnectionId} sent a malformed {Protocol} request: {Reason} ({Description}). Closed.")]
    public static partial void Rejected(this ILogger logger, string connectionId, string protocol, ProtocolError reason, string description);

    [LoggerMessage(202, LogLevel.Information, "Connection {ConnectionId}: request body of {ContentLength} bytes is over Bridge:Limits:MaxRequestBodySize ({Limit}). Answered 413.")]
    public static partial void BodyTooLarge(this ILogger logger, string connectionId, long contentLength, long limit);

    [LoggerMessage(203, LogLevel.Information, "Connection {ConnectionId}: the front end closed the connection after {Received} of {ContentLength} body bytes.")]
    public static partial void BodyTruncated(this ILogger logger, string connectionId, long received, long contentLength);

    [LoggerMessage(204, LogLevel.Information, "Connection {ConnectionId}: FastCGI request {RequestId} refused with {ProtocolStatus} (role {Role}).")]
    public static partial void BeginRejected(this ILogger logger, string connectionId, ushort requestId, string protocolStatus, int role);
}
