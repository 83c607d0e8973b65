using System.Buffers;
using System.Text;

namespace Bridge.AspNetCore;

/// <summary>
/// The request path as ASP.NET Core expects it from Kestrel: REQUEST_URI (raw, as nginx received it) decoded from
/// percent-encoding as UTF-8 except <c>%2F</c>, which stays encoded so an escaped slash never becomes a segment
/// separator, then with dot segments removed (RFC 3986 §5.2.4). Undecodable bytes leave the path undecoded.
/// </summary>
internal static class KestrelPath
{
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);

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

    private static string DecodePercent(ReadOnlySpan<byte> raw)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(raw.Length);
        try
        {
            var length = 0;
            for (var i = 0; i < raw.Length; i++)
            {
                if (raw[i] == '%' && i + 2 < raw.Length && char.IsAsciiHexDigit((char)raw[i + 1]) && char.IsAsciiHexDigit((char)raw[i + 2]))
                {
                    var value = (byte)Convert.ToInt32(Encoding.ASCII.GetString(raw.Slice(i + 1, 2)), 16);
                    if (value != '/')
                    {
                        buffer[length++] = value;
                        i += 2;
                        continue;
                    }
                }

                buffer[length++] = raw[i];
            }

            try
            {
                return StrictUtf8.GetString(buffer, 0, length);
            }
            catch (DecoderFallbackException)
            {
                return Encoding.Latin1.GetString(raw);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
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
            if (segment == ".")
            {
                if (last)
                {
                    output.Add("");
                }

                continue;
            }

            if (segment == "..")
            {
                if (output.Count > 0)
                {
                    output.RemoveAt(output.Count - 1);
                }

                if (last)
                {
                    output.Add("");
                }

                continue;
            }

            output.Add(segment);
        }

        return "/" + string.Join('/', output);
    }
}
