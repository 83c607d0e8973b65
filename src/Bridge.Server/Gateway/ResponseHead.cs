using Bridge.Protocol.Http;
using Bridge.Server.Logging;

namespace Bridge.Server.Gateway;

/// <summary>
/// The rules a response head obeys before it reaches nginx: what nginx cannot take is refused (a 1xx status, a
/// header with CR, LF or NUL: 500) or removed (Transfer-Encoding), what it needs is added (an exact
/// Content-Length when the whole body is known), and a head larger than nginx's default buffer is warned about.
/// </summary>
internal static class ResponseHead
{
    private static int s_sizeWarningLogged;

    /// <summary>Under the channel's lock: checks and writes the head. Returns true when no body may follow (HEAD, 204, 304).</summary>
    public static bool Write(GatewayContext context, bool final, bool isHead)
    {
        var server = context.Server;
        var response = context.Response;
        var writer = context.Writer;
        if (response.StatusCode < 200)
        {
            server.ApplicationLogger.InformationalStatusRefused(context.TraceIdentifier, response.StatusCode);
            response.ResetForError(500);
        }

        if (response.Headers.Remove("Transfer-Encoding"))
        {
            server.ApplicationLogger.TransferEncodingRemoved(context.TraceIdentifier);
        }

        if (!AreValid(context))
        {
            response.ResetForError(500);
        }

        if (response.ContentLength is { } declared && !isHead && writer.BytesWritten > declared && AllowsBody(response.StatusCode))
        {
            throw new InvalidOperationException($"Response Content-Length mismatch: too many bytes written ({writer.BytesWritten} of {declared}).");
        }

        var status = response.StatusCode;
        var suppressBody = isHead || !AllowsBody(status);
        if (!AllowsBody(status))
        {
            response.ContentLength = null;
            writer.DropBuffered();
        }
        else if (final && response.ContentLength is null)
        {
            response.ContentLength = writer.BytesWritten; // the whole body is known: say how long it is
        }

        if (suppressBody)
        {
            writer.SetDiscard();
            writer.DropBuffered();
        }

        var headers = response.Headers.List;
        if (response.ContentLength is { } length)
        {
            headers.Add(new ResponseHeader("Content-Length", ContentLengthStrings.Get(length)));
        }

        response.HasStarted = true;
        var headLength = context.Channel.WriteHead(status, response.ReasonPhrase, response.Headers.AsSpan());
        if (headLength > server.Limits.ResponseHeadWarningSize && Interlocked.Exchange(ref s_sizeWarningLogged, 1) == 0)
        {
            server.ApplicationLogger.ResponseHeadTooLarge(context.TraceIdentifier, headLength, server.Limits.ResponseHeadWarningSize);
        }

        return suppressBody;
    }

    /// <summary>
    /// Under the channel's lock: the head of an upgrade, <c>HTTP/1.1 101 Switching Protocols</c> and the app's headers,
    /// with <c>Connection: Upgrade</c> and (when the app set none) the request's <c>Upgrade</c>; no Content-Length or
    /// Transfer-Encoding (RFC 9110 forbids them on a 1xx). An invalid header throws (the app's answer is then a 500).
    /// </summary>
    public static void WriteUpgrade(GatewayContext context)
    {
        var response = context.Response;
        if (response.Headers.Remove("Transfer-Encoding"))
        {
            context.Server.ApplicationLogger.TransferEncodingRemoved(context.TraceIdentifier);
        }

        response.ContentLength = null;
        if (response.Headers.Get("Connection") is null)
        {
            response.Headers.Add("Connection", "Upgrade");
        }

        if (response.Headers.Get("Upgrade") is null && context.Request.GetHeader("Upgrade") is { } upgrade)
        {
            response.Headers.Add("Upgrade", upgrade);
        }

        if (!AreValid(context))
        {
            throw new InvalidOperationException("The upgrade's response head has an invalid header (see the log).");
        }

        response.HasStarted = true;
        context.Channel.WriteHead(101, response.ReasonPhrase, response.Headers.AsSpan());
    }

    public static bool AllowsBody(int status) => status is >= 200 and not 204 and not 304;

    private static bool AreValid(GatewayContext context)
    {
        var response = context.Response;
        if (response.ReasonPhrase is { } reason && !ResponseHeader.IsValidValue(reason))
        {
            context.Server.ApplicationLogger.InvalidResponseHeader(context.TraceIdentifier, "(reason phrase)");
            return false;
        }

        foreach (var header in response.Headers.AsSpan())
        {
            if (!header.IsValid)
            {
                context.Server.ApplicationLogger.InvalidResponseHeader(context.TraceIdentifier, LogValue.Escape(header.Name)); // the app's name, CR/LF included
                return false;
            }
        }

        return true;
    }
}
