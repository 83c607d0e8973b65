namespace Bridge.Server.Connections;

/// <summary>Short, log-friendly connection ids: a process-unique prefix and the connection number in base 32.</summary>
internal static class ConnectionIds
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
    private static readonly string Prefix = Environment.ProcessId.ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    public static string Format(long number)
    {
        Span<char> digits = stackalloc char[13];
        var position = digits.Length;
        do
        {
            digits[--position] = Alphabet[(int)(number & 31)];
            number >>= 5;
        }
        while (number != 0);

        return string.Concat(Prefix, "-", digits[position..]);
    }
}
