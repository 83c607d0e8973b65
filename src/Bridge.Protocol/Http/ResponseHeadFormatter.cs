using System.Text;

namespace Bridge.Protocol.Http;

/// <summary>
/// Formats a response head in one of the two first-line styles. The whole head is measured first and written
/// in one piece: nginx 1.22 can misread a uwsgi status line that arrives split across reads.
/// </summary>
internal static class ResponseHeadFormatter
{
    private const int StatusDigits = 3;

    public static int Measure(ResponseHeadStyle style, int statusCode, string? reasonPhrase, ReadOnlySpan<ResponseHeader> headers)
    {
        Validate(statusCode, reasonPhrase, headers);
        var length = Prefix(style).Length + StatusDigits + 1 + ReasonLength(statusCode, reasonPhrase) + 2;
        foreach (var header in headers)
        {
            length += header.Name.Length + 2 + header.Value.Length + 2;
        }

        return length + 2;
    }

    // Measure must have been called: it validates.
    public static void Write(Span<byte> destination, ResponseHeadStyle style, int statusCode, string? reasonPhrase, ReadOnlySpan<ResponseHeader> headers)
    {
        var position = Append(destination, 0, Prefix(style));
        destination[position++] = (byte)('0' + (statusCode / 100));
        destination[position++] = (byte)('0' + (statusCode / 10 % 10));
        destination[position++] = (byte)('0' + (statusCode % 10));
        destination[position++] = (byte)' ';
        position = reasonPhrase is null
            ? Append(destination, position, ReasonPhrases.Get(statusCode))
            : position + Encoding.Latin1.GetBytes(reasonPhrase, destination[position..]);
        position = Append(destination, position, "\r\n"u8);
        foreach (var header in headers)
        {
            position += Encoding.Latin1.GetBytes(header.Name, destination[position..]);
            position = Append(destination, position, ": "u8);
            position += Encoding.Latin1.GetBytes(header.Value, destination[position..]);
            position = Append(destination, position, "\r\n"u8);
        }

        Append(destination, position, "\r\n"u8);
    }

    private static void Validate(int statusCode, string? reasonPhrase, ReadOnlySpan<ResponseHeader> headers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 999);
        if (reasonPhrase is not null && !ResponseHeader.IsValidValue(reasonPhrase))
        {
            throw new ArgumentException("The reason phrase contains CR, LF, NUL or a character outside Latin-1.", nameof(reasonPhrase));
        }

        foreach (var header in headers)
        {
            if (!header.IsValid)
            {
                throw new ArgumentException($"The response header '{header.Name}' has an invalid name or a value with CR, LF, NUL or a character outside Latin-1.", nameof(headers));
            }
        }
    }

    private static ReadOnlySpan<byte> Prefix(ResponseHeadStyle style)
        => style == ResponseHeadStyle.StatusLine ? "HTTP/1.1 "u8 : "Status: "u8;

    private static int ReasonLength(int statusCode, string? reasonPhrase)
        => reasonPhrase?.Length ?? ReasonPhrases.Get(statusCode).Length;

    private static int Append(Span<byte> destination, int position, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination[position..]);
        return position + bytes.Length;
    }
}
