using System.Globalization;

namespace Bridge.Testing;

/// <summary>
/// Parses the <c>.hex</c> vector format (protocol-spec/vectors/README.md): whitespace-separated tokens, <c>#</c>
/// comments to the end of the line; a token is an even run of hex digits or a double-quoted printable-ASCII string
/// (escapes <c>\"</c> and <c>\\</c> only), either optionally followed at once by <c>*N</c> (repeat N times).
/// </summary>
public static class HexVector
{
    /// <summary>The bytes <paramref name="text"/> describes.</summary>
    /// <exception cref="FormatException">The text breaks the format; the message names the line.</exception>
    public static byte[] Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<byte>(text.Length / 2);
        var chunk = new List<byte>();
        var line = 1;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\n')
            {
                line++;
                i++;
            }
            else if (c is ' ' or '\t' or '\r' or '\f' or '\v')
            {
                i++;
            }
            else if (c == '#')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '"')
            {
                chunk.Clear();
                i = ReadString(text, i + 1, line, chunk);
                i = Repeat(text, i, line, chunk, output);
            }
            else if (char.IsAsciiHexDigit(c))
            {
                chunk.Clear();
                var start = i;
                while (i < text.Length && char.IsAsciiHexDigit(text[i]))
                {
                    i++;
                }

                if ((i - start) % 2 != 0)
                {
                    throw Error(line, $"odd number of hex digits in '{text[start..i]}'");
                }

                chunk.AddRange(Convert.FromHexString(text.AsSpan(start, i - start)));
                i = Repeat(text, i, line, chunk, output);
            }
            else
            {
                throw Error(line, $"unexpected character '{c}'");
            }
        }

        return [.. output];
    }

    private static int ReadString(string text, int i, int line, List<byte> chunk)
    {
        while (true)
        {
            if (i >= text.Length || text[i] == '\n')
            {
                throw Error(line, "unterminated string");
            }

            var c = text[i];
            if (c == '"')
            {
                return i + 1;
            }

            if (c == '\\')
            {
                if (i + 1 < text.Length && text[i + 1] is '"' or '\\')
                {
                    chunk.Add((byte)text[i + 1]);
                    i += 2;
                    continue;
                }

                throw Error(line, "only \\\" and \\\\ escapes are allowed");
            }

            if (c is < ' ' or > '~')
            {
                throw Error(line, "strings hold printable ASCII only; write other bytes in hex");
            }

            chunk.Add((byte)c);
            i++;
        }
    }

    private static int Repeat(string text, int i, int line, List<byte> chunk, List<byte> output)
    {
        var count = 1;
        if (i < text.Length && text[i] == '*')
        {
            var start = ++i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == start || !int.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out count))
            {
                throw Error(line, "'*' must be followed by a decimal count");
            }
        }

        if (i < text.Length && text[i] is not (' ' or '\t' or '\r' or '\n' or '\f' or '\v' or '#'))
        {
            throw Error(line, "a token must be followed by whitespace, a comment or the end");
        }

        for (var n = 0; n < count; n++)
        {
            output.AddRange(chunk);
        }

        return i;
    }

    private static FormatException Error(int line, string message) => new($"line {line}: {message}");
}
