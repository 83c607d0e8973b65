using System.Buffers;
using Bridge.Protocol.FastCgi;
using Bridge.Protocol.Uwsgi;

namespace Bridge.Protocol;

/// <summary>
/// Tells uwsgi from FastCGI from plain HTTP by the first bytes of a connection, consuming nothing. The three
/// never collide: a FastCGI record starts with version 1; a uwsgi request with a modifier1
/// from <see cref="UwsgiModifiers.IsRequest"/> (all below 31); an HTTP request line with an upper-case method
/// and a space ("GET " is what uWSGI reports as the cryptic "block size 21573": bytes 'E','T' read as a u16).
/// </summary>
public static class ProtocolDetector
{
    private const int LongestMethod = 7; // OPTIONS, CONNECT
    private const byte TlsHandshake = 0x16;
    private const byte TlsMajorVersion = 0x03;

    /// <summary>Looks at the start of <paramref name="buffer"/>; needs at most 8 bytes.</summary>
    public static DetectedProtocol Detect(in ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return DetectedProtocol.NeedMoreData;
        }

        Span<byte> start = stackalloc byte[LongestMethod + 1];
        var available = (int)Math.Min(buffer.Length, start.Length);
        buffer.Slice(0, available).CopyTo(start);
        start = start[..available];

        var first = start[0];
        if (first == FastCgiRecordHeader.Version1)
        {
            return DetectedProtocol.FastCgi; // a bad record type is the FastCGI reader's to name
        }

        if (UwsgiModifiers.IsRequest(first))
        {
            return DetectedProtocol.Uwsgi;
        }

        if (first == TlsHandshake)
        {
            return start.Length < 2 ? DetectedProtocol.NeedMoreData : start[1] == TlsMajorVersion ? DetectedProtocol.Tls : DetectedProtocol.Unknown;
        }

        return DetectHttp(start);
    }

    // An HTTP/1.x request line starts with a method token and a space; HTTP/2's preface with "PRI ".
    private static DetectedProtocol DetectHttp(ReadOnlySpan<byte> start)
    {
        for (var i = 0; i < start.Length; i++)
        {
            var b = start[i];
            if (b == (byte)' ')
            {
                return i >= 3 ? DetectedProtocol.Http : DetectedProtocol.Unknown;
            }

            if (b is < (byte)'A' or > (byte)'Z' || i >= LongestMethod)
            {
                return DetectedProtocol.Unknown;
            }
        }

        return DetectedProtocol.NeedMoreData;
    }
}
