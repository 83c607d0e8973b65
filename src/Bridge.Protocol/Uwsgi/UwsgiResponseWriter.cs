using System.Buffers;
using Bridge.Protocol.Http;

namespace Bridge.Protocol.Uwsgi;

/// <summary>
/// Writes the head of a uwsgi response: an HTTP/1.1 status line with a reason phrase, the headers, a blank
/// line. The body follows raw; the response ends when the connection closes or Content-Length is met.
/// </summary>
public static class UwsgiResponseWriter
{
    /// <summary>Writes the head in one piece and returns its length in bytes.</summary>
    /// <param name="output">Where the bytes go.</param>
    /// <param name="statusCode">100..999 (the server never sends 1xx: nginx takes it as final).</param>
    /// <param name="reasonPhrase">The phrase, or null for the standard one.</param>
    /// <param name="headers">The headers, in order; repeated names are written repeatedly.</param>
    /// <exception cref="ArgumentException">A header name, value or the phrase would split the response.</exception>
    public static int WriteHead(IBufferWriter<byte> output, int statusCode, string? reasonPhrase, ReadOnlySpan<ResponseHeader> headers)
    {
        ArgumentNullException.ThrowIfNull(output);
        var length = ResponseHeadFormatter.Measure(ResponseHeadStyle.StatusLine, statusCode, reasonPhrase, headers);
        ResponseHeadFormatter.Write(output.GetSpan(length), ResponseHeadStyle.StatusLine, statusCode, reasonPhrase, headers);
        output.Advance(length);
        return length;
    }
}
