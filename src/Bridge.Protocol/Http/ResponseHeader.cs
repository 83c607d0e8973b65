namespace Bridge.Protocol.Http;

/// <summary>One response header line as the application set it.</summary>
/// <param name="Name">The field name: an RFC 9110 token.</param>
/// <param name="Value">The field value: Latin-1 characters, without CR, LF or NUL.</param>
public readonly record struct ResponseHeader(string Name, string Value)
{
    /// <summary>True if <paramref name="name"/> is a non-empty token (RFC 9110 §5.1, tchar).</summary>
    public static bool IsValidName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!IsTokenChar(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// True if <paramref name="value"/> can be written without splitting the response: no CR, LF or NUL, and
    /// every character in Latin-1 (one byte on the wire).
    /// </summary>
    public static bool IsValidValue(ReadOnlySpan<char> value)
        => value.IndexOfAny('\r', '\n', '\0') < 0 && !value.ContainsAnyExceptInRange('\0', '\u00ff');

    /// <summary>True if both the name and the value are valid.</summary>
    public bool IsValid => IsValidName(Name) && IsValidValue(Value);

    private static bool IsTokenChar(char c) => c switch
    {
        >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' => true,
        '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~' => true,
        _ => false,
    };
}
