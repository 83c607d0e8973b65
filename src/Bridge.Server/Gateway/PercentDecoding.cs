using System.Buffers;
using System.Text;

namespace Bridge.Server.Gateway;

/// <summary>
/// Percent-decodes a raw path (REQUEST_URI is never decoded by nginx) into bytes, then reads them as UTF-8.
/// A path whose decoded bytes are not UTF-8 is returned undecoded (Latin-1), so no byte is lost or replaced.
/// </summary>
internal static class PercentDecoding
{
    public static string Decode(ReadOnlySpan<byte> raw, Encoding strictUtf8)
    {
        if (raw.IndexOf((byte)'%') < 0 && !raw.ContainsAnyExceptInRange((byte)0, (byte)0x7f))
        {
            return Encoding.ASCII.GetString(raw);
        }

        byte[]? rented = null;
        var decoded = raw.Length <= 512 ? stackalloc byte[raw.Length] : (rented = ArrayPool<byte>.Shared.Rent(raw.Length));
        try
        {
            var length = 0;
            for (var i = 0; i < raw.Length; i++)
            {
                if (raw[i] == '%' && i + 2 < raw.Length && IsHex(raw[i + 1]) && IsHex(raw[i + 2]))
                {
                    decoded[length++] = (byte)((HexValue(raw[i + 1]) << 4) | HexValue(raw[i + 2]));
                    i += 2;
                    continue;
                }

                decoded[length++] = raw[i];
            }

            try
            {
                return strictUtf8.GetString(decoded[..length]);
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

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
