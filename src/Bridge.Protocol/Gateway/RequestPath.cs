using System.Buffers;
using System.Text;

namespace Bridge.Protocol.Gateway;

/// <summary>
/// The one decoding of a request path, for the gateway API and ASP.NET Core alike, with Kestrel's rules: the raw
/// path of REQUEST_URI (never decoded by the front end) is percent-decoded as UTF-8 except <c>%2F</c>, which stays
/// encoded so an escaped slash never becomes a segment separator; then dot segments are removed (RFC 3986 §5.2.4),
/// so the app routes on the path the front end routed on (nginx matches locations on the normalised path). A path
/// whose decoded bytes are not UTF-8 is returned undecoded, as Latin-1, so no byte is lost or replaced.
/// </summary>
public static class RequestPath
{
    private const int StackLimit = 512;
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes <paramref name="rawPath"/> (REQUEST_URI up to '?'); an empty path is "/".</summary>
    public static string Decode(ReadOnlySpan<byte> rawPath)
    {
        if (rawPath.IsEmpty)
        {
            return "/";
        }

        var decoded = rawPath.IndexOf((byte)'%') < 0 && !rawPath.ContainsAnyExceptInRange((byte)0x20, (byte)0x7e)
            ? Encoding.ASCII.GetString(rawPath)
            : DecodePercent(rawPath);
        return decoded.Contains("/.", StringComparison.Ordinal) ? RemoveDotSegments(decoded) : decoded;
    }

    /// <summary>
    /// A variable the front end already decoded (SCRIPT_NAME, PATH_INFO) as a string: UTF-8, or Latin-1 when its
    /// bytes are not UTF-8. No percent-decoding: that was the front end's job.
    /// </summary>
    public static string FromDecoded(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return "";
        }

        try
        {
            return StrictUtf8.GetString(value);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(value);
        }
    }

    private static string DecodePercent(ReadOnlySpan<byte> raw)
    {
        byte[]? rented = null;
        var buffer = raw.Length <= StackLimit ? stackalloc byte[raw.Length] : (rented = ArrayPool<byte>.Shared.Rent(raw.Length));
        try
        {
            var length = 0;
            for (var i = 0; i < raw.Length; i++)
            {
                if (raw[i] == '%' && i + 2 < raw.Length && HexValue(raw[i + 1]) is var high and >= 0 && HexValue(raw[i + 2]) is var low and >= 0
                    && (high << 4 | low) != '/')
                {
                    buffer[length++] = (byte)(high << 4 | low);
                    i += 2;
                    continue;
                }

                buffer[length++] = raw[i];
            }

            try
            {
                return StrictUtf8.GetString(buffer[..length]);
            }
            catch (DecoderFallbackException)
            {
                return Encoding.Latin1.GetString(raw);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static string RemoveDotSegments(string path)
    {
        var output = new List<string>();
        var segments = path.Split('/');
        for (var i = 1; i < segments.Length; i++)
        {
            var segment = segments[i];
            var last = i == segments.Length - 1;
            if (segment is "." or "..")
            {
                if (segment == ".." && output.Count > 0)
                {
                    output.RemoveAt(output.Count - 1);
                }

                if (last)
                {
                    output.Add(""); // "/a/b/.." is "/a/": the path still names a directory
                }

                continue;
            }

            output.Add(segment);
        }

        return "/" + string.Join('/', output);
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
