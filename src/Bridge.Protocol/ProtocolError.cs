namespace Bridge.Protocol;

/// <summary>
/// Why a front end's request bytes were rejected. One vocabulary for both wire protocols; the server maps
/// each reason to a log line and, where the protocol allows an answer, to a status code.
/// </summary>
public enum ProtocolError
{
    /// <summary>The connection ended inside a uwsgi packet header or vars block.</summary>
    TruncatedPacket = 1,

    /// <summary>The uwsgi datasize is larger than <see cref="ProtocolLimits.MaxVarsBlockSize"/>.</summary>
    VarsBlockTooLarge,

    /// <summary>A uwsgi key or value length (or a length field itself) runs past the end of the vars block.</summary>
    VarsOverrun,

    /// <summary>A variable with an empty name (uwsgi key length 0, FastCGI name length 0).</summary>
    ZeroLengthKey,

    /// <summary>More variables than <see cref="ProtocolLimits.MaxVariables"/>.</summary>
    TooManyVariables,

    /// <summary>A uwsgi modifier1 that does not announce a request with the standard layout.</summary>
    UnsupportedModifier,

    /// <summary>The variables carry no REQUEST_METHOD (or an empty one), so they describe no HTTP request.</summary>
    MissingRequestMethod,

    /// <summary>CONTENT_LENGTH is not a plain non-negative decimal number, or two values disagree.</summary>
    InvalidContentLength,

    /// <summary>A FastCGI record whose version byte is not 1: the stream cannot be re-synchronised.</summary>
    BadFastCgiVersion,

    /// <summary>A FastCGI record that is malformed for its type (BEGIN_REQUEST not 8 bytes, or a type only an application sends).</summary>
    BadRecord,

    /// <summary>A FastCGI record on a request id it cannot belong to (application record on id 0, BEGIN_REQUEST for an active id).</summary>
    UnexpectedRequestId,

    /// <summary>A FastCGI record that is out of order for its request (PARAMS after the PARAMS stream ended, STDIN before it).</summary>
    UnexpectedRecord,

    /// <summary>The connection ended inside a FastCGI record.</summary>
    TruncatedRecord,

    /// <summary>The FastCGI PARAMS stream is longer than <see cref="ProtocolLimits.MaxParamsSize"/>.</summary>
    ParamsTooLarge,

    /// <summary>A FastCGI name or value length (or a length field itself) runs past the end of the PARAMS stream.</summary>
    ParamsOverrun,

    /// <summary>A chunked request body whose framing is malformed (RFC 9112 §7.1): not hex, a bare LF, data longer than its size, a line or trailer over the limit.</summary>
    InvalidChunkedBody,

    /// <summary>A uwsgi request without CONTENT_LENGTH whose Transfer-Encoding does not end in chunked: its body length cannot be known.</summary>
    UnsupportedTransferEncoding,
}
