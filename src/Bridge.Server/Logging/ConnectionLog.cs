using Microsoft.Extensions.Logging;

namespace Bridge.Server.Logging;

internal static partial class ConnectionLog
{
    [LoggerMessage(101, LogLevel.Debug, "Connection {ConnectionId} accepted on {Listener} from {RemoteEndPoint}.")]
    public static partial void ConnectionAccepted(this ILogger logger, string connectionId, string listener, System.Net.EndPoint? remoteEndPoint);

    [LoggerMessage(102, LogLevel.Debug, "Connection {ConnectionId} closed.")]
    public static partial void ConnectionClosed(this ILogger logger, string connectionId);

    [LoggerMessage(103, LogLevel.Warning, "Refused a connection from {RemoteAddress} on {Listener}: the address is not in Bridge:AllowedFrontEnds (nor FCGI_WEB_SERVER_ADDRS). A front end that may connect can claim any REMOTE_ADDR and HTTPS.")]
    public static partial void FrontEndRefused(this ILogger logger, string remoteAddress, string listener);

    [LoggerMessage(104, LogLevel.Warning, "Connection {ConnectionId} on {Listener} sent plain HTTP, but this socket speaks uwsgi/FastCGI: the front end uses proxy_pass where uwsgi_pass (with include uwsgi_params) or fastcgi_pass (with include fastcgi_params) is meant. Answered 400.")]
    public static partial void PlainHttpReceived(this ILogger logger, string connectionId, string listener);

    [LoggerMessage(105, LogLevel.Warning, "Connection {ConnectionId} on {Listener} started a TLS handshake, but this socket speaks uwsgi/FastCGI without TLS: the front end uses proxy_pass https:// (or uwsgi_pass suwsgi://). Closed.")]
    public static partial void TlsReceived(this ILogger logger, string connectionId, string listener);

    [LoggerMessage(106, LogLevel.Warning, "Connection {ConnectionId} on {Listener} sent {Detected} bytes, but the listener is configured for {Expected}: use {Directive} in nginx, or set the listener's Protocol to auto. Closed.")]
    public static partial void WrongProtocol(this ILogger logger, string connectionId, string listener, string detected, string expected, string directive);

    [LoggerMessage(107, LogLevel.Information, "Connection {ConnectionId} on {Listener} sent bytes that are neither uwsgi nor FastCGI (first byte 0x{FirstByte:x2}). Closed.")]
    public static partial void UnknownProtocol(this ILogger logger, string connectionId, string listener, byte firstByte);

    [LoggerMessage(108, LogLevel.Information, "Connection {ConnectionId}: the request head did not arrive within Bridge:Limits:RequestHeadTimeout. Closed.")]
    public static partial void HeadTimeout(this ILogger logger, string connectionId);

    [LoggerMessage(109, LogLevel.Information, "Connection {ConnectionId}: no request body bytes arrived within Bridge:Limits:BodyReadStallTimeout. Closed.")]
    public static partial void BodyStalled(this ILogger logger, string connectionId);

    [LoggerMessage(110, LogLevel.Debug, "Connection {ConnectionId}: idle kept-alive FastCGI connection closed after Bridge:Limits:FastCgiKeepAliveTimeout.")]
    public static partial void KeepAliveExpired(this ILogger logger, string connectionId);

    [LoggerMessage(111, LogLevel.Debug, "Connection {ConnectionId}: the front end went away ({Reason}).")]
    public static partial void FrontEndGone(this ILogger logger, string connectionId, string reason);

    [LoggerMessage(112, LogLevel.Warning, "{Limit} connections are open, the most allowed (Bridge:Limits:MaxConcurrentConnections, or the open-files limit): new connections wait in the listen queue.")]
    public static partial void ConnectionLimitReached(this ILogger logger, int limit);

    [LoggerMessage(113, LogLevel.Debug, "Connection {ConnectionId}: writing the response failed: {Reason}.")]
    public static partial void ResponseWriteFailed(this ILogger logger, string connectionId, string reason);

    [LoggerMessage(114, LogLevel.Error, "Connection {ConnectionId} failed unexpectedly.")]
    public static partial void ConnectionFailed(this ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(115, LogLevel.Error, "{Listener}: no new I/O thread could be made ({Reason}); the listener goes on with the threads it has and tries again each second.")]
    public static partial void IoThreadSpawnFailed(this ILogger logger, string listener, string reason);

    [LoggerMessage(116, LogLevel.Error, "{Listener}: an I/O thread failed and was replaced.")]
    public static partial void IoThreadFailed(this ILogger logger, string listener, Exception exception);

    [LoggerMessage(117, LogLevel.Error, "{Listener}: out of file descriptors ({Reason}); new connections wait in the listen queue until some are closed. Raise the limit (ulimit -n; LimitNOFILE= in a systemd unit).")]
    public static partial void DescriptorLimitReached(this ILogger logger, string listener, string reason);

    [LoggerMessage(118, LogLevel.Information, "{Listener}: accepting connections again.")]
    public static partial void AcceptingAgain(this ILogger logger, string listener);

    [LoggerMessage(119, LogLevel.Critical, "The socket event thread failed; the connections waiting on it were cut.")]
    public static partial void SocketEventsFailed(this ILogger logger, Exception exception);

    [LoggerMessage(120, LogLevel.Information, "Connection {ConnectionId}: the request body arrived slower than Bridge:Limits:MinRequestBodyDataRate ({Bytes} bytes in {Seconds:0.0} s of waiting, under {Rate} bytes/s). Closed.")]
    public static partial void BodyTooSlow(this ILogger logger, string connectionId, long bytes, double seconds, double rate);

    [LoggerMessage(121, LogLevel.Information, "Connection {ConnectionId}: the front end read the response slower than Bridge:Limits:MinResponseDataRate ({Bytes} bytes in {Seconds:0.0} s of waiting, under {Rate} bytes/s). Closed.")]
    public static partial void ResponseTooSlow(this ILogger logger, string connectionId, long bytes, double seconds, double rate);

    [LoggerMessage(122, LogLevel.Warning, "{Count} connection(s) did not end within 5 s of being aborted at the end of the stop.")]
    public static partial void ConnectionsOutlivedStop(this ILogger logger, int count);
}
