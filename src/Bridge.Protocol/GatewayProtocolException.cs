namespace Bridge.Protocol;

/// <summary>
/// The only exception <c>Bridge.Protocol</c> lets escape while reading input: the bytes a front end sent are
/// malformed for the protocol, for the stated <see cref="Reason"/>. The connection cannot continue.
/// </summary>
public sealed class GatewayProtocolException : Exception
{
    /// <summary>Creates the exception for <paramref name="reason"/>.</summary>
    public GatewayProtocolException(ProtocolError reason)
        : base(Describe(reason))
    {
        Reason = reason;
    }

    /// <summary>Why the input was rejected.</summary>
    public ProtocolError Reason { get; }

    /// <summary>A one-line, human-readable explanation of <paramref name="reason"/>.</summary>
    public static string Describe(ProtocolError reason) => reason switch
    {
        ProtocolError.TruncatedPacket => "The connection closed inside a uwsgi packet header or vars block.",
        ProtocolError.VarsBlockTooLarge => "The uwsgi vars block is larger than the configured limit (Bridge:Limits:MaxVarsBlockSize).",
        ProtocolError.VarsOverrun => "A uwsgi key or value length runs past the end of the vars block.",
        ProtocolError.ZeroLengthKey => "A variable has an empty name.",
        ProtocolError.TooManyVariables => "The request has more variables than the configured limit (Bridge:Limits:MaxVariables).",
        ProtocolError.UnsupportedModifier => "The uwsgi modifier1 does not announce a standard request (use uwsgi_modifier1 0).",
        ProtocolError.MissingRequestMethod => "The request carries no REQUEST_METHOD variable.",
        ProtocolError.InvalidContentLength => "CONTENT_LENGTH is not a non-negative decimal number, or two CONTENT_LENGTH values disagree.",
        ProtocolError.BadFastCgiVersion => "A FastCGI record has a version other than 1.",
        ProtocolError.BadRecord => "A FastCGI record is malformed for its type or is a type only an application sends.",
        ProtocolError.UnexpectedRequestId => "A FastCGI record arrived on a request id it cannot belong to.",
        ProtocolError.UnexpectedRecord => "A FastCGI record arrived out of order for its request.",
        ProtocolError.TruncatedRecord => "The connection closed inside a FastCGI record.",
        ProtocolError.ParamsTooLarge => "The FastCGI PARAMS stream is larger than the configured limit (Bridge:Limits:MaxParamsSize).",
        ProtocolError.ParamsOverrun => "A FastCGI name or value length runs past the end of the PARAMS stream.",
        ProtocolError.InvalidChunkedBody => "The chunked request body is malformed (RFC 9112 section 7.1).",
        ProtocolError.UnsupportedTransferEncoding => "The request has no CONTENT_LENGTH and a Transfer-Encoding that does not end in chunked: its body length is unknown.",
        _ => "The request is malformed.",
    };
}
