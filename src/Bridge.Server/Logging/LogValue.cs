using System.Buffers;
using System.Globalization;
using System.Text;

namespace Bridge.Server.Logging;

/// <summary>
/// Makes a value from the wire or the app safe for one log line: control characters (C0, DEL, C1, and the Unicode
/// line and paragraph separators) are written as <c>\xNN</c> (<c>\uNNNN</c> above U+00FF) and a backslash as
/// <c>\\</c>, so a request target or header name can neither split a line nor forge one, and every escaped value
/// reads back unambiguously. A value with nothing to escape is returned as it is, without allocating: the access
/// log runs this on every request.
/// </summary>
internal static class LogValue
{
    private static readonly SearchValues<char> NeedsEscaping = SearchValues.Create(BuildEscapedSet());

    public static string Escape(string value)
    {
        var first = value.AsSpan().IndexOfAny(NeedsEscaping);
        return first < 0 ? value : EscapeFrom(value, first);
    }

    private static string EscapeFrom(string value, int first)
    {
        var builder = new StringBuilder(value.Length + 16);
        builder.Append(value, 0, first);
        for (var i = first; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\')
            {
                builder.Append(@"\\");
            }
            else if (!NeedsEscaping.Contains(c))
            {
                builder.Append(c);
            }
            else if (c <= 0xFF)
            {
                builder.Append(@"\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(@"\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static string BuildEscapedSet()
    {
        var set = new StringBuilder();
        for (var c = '\0'; c < ' '; c++)
        {
            set.Append(c);
        }

        for (var c = '\x7F'; c <= '\x9F'; c++)
        {
            set.Append(c);
        }

        return set.Append('\\').Append('\u2028').Append('\u2029').ToString();
    }
}
