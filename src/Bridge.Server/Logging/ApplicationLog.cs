using Microsoft.Extensions.Logging;

namespace Bridge.Server.Logging;

internal static partial class ApplicationLog
{
    [LoggerMessage(301, LogLevel.Error, "Request {TraceIdentifier}: the application failed.")]
    public static partial void UnhandledException(this ILogger logger, string traceIdentifier, Exception exception);

    [LoggerMessage(302, LogLevel.Error, "Request {TraceIdentifier}: the response header {HeaderName} has an invalid name or a value with CR, LF, NUL or a character outside Latin-1; answered 500 instead of sending a split response.")]
    public static partial void InvalidResponseHeader(this ILogger logger, string traceIdentifier, string headerName);

    [LoggerMessage(303, LogLevel.Error, "Request {TraceIdentifier}: status {StatusCode} refused (nginx takes a 1xx as the final answer; a 101 goes out only through UpgradeAsync/AcceptWebSocketAsync); answered 500.")]
    public static partial void InformationalStatusRefused(this ILogger logger, string traceIdentifier, int statusCode);

    [LoggerMessage(304, LogLevel.Warning, "Request {TraceIdentifier}: the Transfer-Encoding response header was removed; nginx would pass chunk framing to the client as body bytes.")]
    public static partial void TransferEncodingRemoved(this ILogger logger, string traceIdentifier);

    [LoggerMessage(305, LogLevel.Warning, "Request {TraceIdentifier}: the response head is {HeadLength} bytes, over {Limit}; nginx's default uwsgi_buffer_size/fastcgi_buffer_size is 4k and answers 502 \"upstream sent too big header\" beyond it. Raise uwsgi_buffer_size or fastcgi_buffer_size (e.g. 16k). Logged once.")]
    public static partial void ResponseHeadTooLarge(this ILogger logger, string traceIdentifier, int headLength, int limit);

    [LoggerMessage(306, LogLevel.Error, "Request {TraceIdentifier}: the application wrote {Written} bytes of a {Declared}-byte Content-Length; the connection was cut so the client does not take a short body for a whole one.")]
    public static partial void ContentLengthMismatch(this ILogger logger, string traceIdentifier, long written, long declared);

    [LoggerMessage(307, LogLevel.Warning, "Request {TraceIdentifier} ran past Bridge:Limits:RequestTimeout ({Timeout}): cancelled and answered 504 (or cut, if its response had started).")]
    public static partial void RequestTimedOut(this ILogger logger, string traceIdentifier, TimeSpan timeout);

    [LoggerMessage(308, LogLevel.Error, "A request abandoned after its deadline failed later.")]
    public static partial void AbandonedRequestFailed(this ILogger logger, Exception exception);

    [LoggerMessage(309, LogLevel.Debug, "Request {TraceIdentifier} was cancelled because it was aborted.")]
    public static partial void RequestCancelled(this ILogger logger, string traceIdentifier);

    [LoggerMessage(310, LogLevel.Error, "Request {TraceIdentifier}: a RequestAborted callback failed.")]
    public static partial void AbortCallbackFailed(this ILogger logger, string traceIdentifier, Exception exception);

    [LoggerMessage(311, LogLevel.Information, "Request {TraceIdentifier} was rejected with {StatusCode}: {Reason}")]
    public static partial void RequestRejected(this ILogger logger, string traceIdentifier, int statusCode, string reason);

    // Not an application failure: the front end left (nginx closes when its client does), as Kestrel skips its
    // Content-Length check once the connection is aborted.
    [LoggerMessage(312, LogLevel.Debug, "Request {TraceIdentifier}: the front end went away after {Written} of {Declared} response bytes.")]
    public static partial void ResponseCutByFrontEnd(this ILogger logger, string traceIdentifier, long written, long declared);

    [LoggerMessage(313, LogLevel.Warning, "Request {TraceIdentifier} asks to upgrade the connection (Upgrade: {Upgrade}) but came over FastCGI, which nginx cannot tunnel: the upgrade is refused. Send WebSocket locations to uwsgi_pass (include uwsgi_params; uwsgi_pass ...;), which tunnels after a 101.")]
    public static partial void UpgradeOverFastCgi(this ILogger logger, string traceIdentifier, string upgrade);
}
