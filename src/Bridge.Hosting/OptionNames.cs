namespace Bridge.Hosting;

/// <summary>The nearest known name to a mistyped one, for "did you mean" (shared by apps and dotnet-bridge).</summary>
public static class OptionNames
{
    /// <summary>
    /// The known name closest to <paramref name="name"/> by edit distance (case ignored), if it is close enough to be
    /// the one meant: at most 2 edits, or a third of the name for long ones.
    /// </summary>
    public static string? Nearest(string name, IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(known);
        string? best = null;
        var bestDistance = Math.Max(2, name.Length / 3) + 1;
        foreach (var candidate in known)
        {
            var distance = Distance(name, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>" (did you mean X?)" or "", for the end of a message.</summary>
    public static string Suggestion(string name, IEnumerable<string> known, string prefix = "") =>
        Nearest(name, known) is { } nearest ? $" (did you mean {prefix}{nearest}?)" : "";

    // Levenshtein distance, case-insensitive; two rows.
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
