using System.Buffers;

namespace Bridge.Protocol.Gateway;

/// <summary>
/// Turns a CGI header variable name back into an HTTP header name: <c>HTTP_X_FOO</c> becomes <c>X-Foo</c>.
/// The mapping is lossy by nature ('_' and '-' both become '_', case is lost); nginx drops client headers with
/// '_' by default, so '-' is the right guess. Common names come from a table and allocate nothing.
/// </summary>
internal static class HeaderNames
{
    private static readonly (byte[] Variable, string Header)[] Common = Build(
        "Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language", "Accept-Charset", "Connection",
        "Cookie", "Content-Type", "Content-Length", "Cache-Control", "Pragma", "Referer", "Origin", "Authorization",
        "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range", "Range", "Expect",
        "Transfer-Encoding", "Upgrade", "Upgrade-Insecure-Requests", "Keep-Alive", "TE", "DNT", "X-Forwarded-For",
        "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-IP", "X-Requested-With", "X-Request-ID", "Sec-Fetch-Dest",
        "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-User");

    public static string FromVariable(ReadOnlySpan<byte> variableName)
    {
        foreach (var (variable, header) in Common)
        {
            if (variable.AsSpan().SequenceEqual(variableName))
            {
                return header;
            }
        }

        return Convert(variableName);
    }

    // CONTENT_TYPE / CONTENT_LENGTH carry no HTTP_ prefix; everything else does.
    private static string Convert(ReadOnlySpan<byte> variableName)
    {
        var source = variableName.StartsWith("HTTP_"u8) ? variableName[5..] : variableName;
        char[]? rented = null;
        var chars = source.Length <= 256 ? stackalloc char[source.Length] : (rented = ArrayPool<char>.Shared.Rent(source.Length));
        var startOfWord = true;
        for (var i = 0; i < source.Length; i++)
        {
            var c = (char)source[i];
            if (c == '_')
            {
                chars[i] = '-';
                startOfWord = true;
                continue;
            }

            chars[i] = startOfWord ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c);
            startOfWord = false;
        }

        var name = new string(chars[..source.Length]);
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }

        return name;
    }

    private static (byte[] Variable, string Header)[] Build(params string[] headers)
    {
        var table = new (byte[], string)[headers.Length];
        for (var i = 0; i < headers.Length; i++)
        {
            var name = headers[i];
            var variable = name is "Content-Type" or "Content-Length"
                ? name.ToUpperInvariant().Replace('-', '_')
                : "HTTP_" + name.ToUpperInvariant().Replace('-', '_');
            table[i] = (System.Text.Encoding.ASCII.GetBytes(variable), name);
        }

        return table;
    }
}
