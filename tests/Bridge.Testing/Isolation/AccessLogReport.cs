using System.Globalization;
using System.Text;
using Bridge.Testing.Logging;

namespace Bridge.Testing.Isolation;

/// <summary>What <see cref="AlternatingSequence.Check"/> found.</summary>
public sealed class AccessLogReport(int pairs, int lineCount)
{
    public int Pairs { get; } = pairs;

    public int LineCount { get; } = lineCount;

    public int AwaitingLines { get; set; }

    public int SynchronousLines { get; set; }

    /// <summary><c>/delay/1?first=N</c> lines whose method, status, bytes or gateway are not that request's.</summary>
    public List<AccessLine> WrongAwaiting { get; } = [];

    /// <summary><c>/hello?second=N</c> lines whose method, status, bytes or gateway are not that request's.</summary>
    public List<AccessLine> WrongSynchronous { get; } = [];

    /// <summary>Lines naming no request that was sent.</summary>
    public List<AccessLine> Foreign { get; } = [];

    /// <summary>Requests no line names.</summary>
    public List<string> Missing { get; } = [];

    /// <summary>Requests more than one line names.</summary>
    public List<string> Duplicated { get; } = [];

    public bool IsClean => LineCount == 2 * Pairs && WrongAwaiting.Count == 0 && WrongSynchronous.Count == 0
        && Foreign.Count == 0 && Missing.Count == 0 && Duplicated.Count == 0;

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{LineCount} access lines for {2 * Pairs} requests. ");
        text.Append(CultureInfo.InvariantCulture, $"Of {SynchronousLines} /hello lines, {WrongSynchronous.Count} carry another request's figures (not 200, 12 bytes); ");
        text.Append(CultureInfo.InvariantCulture, $"of {AwaitingLines} /delay lines, {WrongAwaiting.Count} (not 200, 3 bytes). ");
        text.Append(CultureInfo.InvariantCulture, $"{Missing.Count} requests have no line, {Duplicated.Count} have more than one, {Foreign.Count} lines name no request sent.");
        Sample(text, "wrong /hello lines", WrongSynchronous.Select(l => l.ToString()));
        Sample(text, "wrong /delay lines", WrongAwaiting.Select(l => l.ToString()));
        Sample(text, "requests without a line", Missing);
        Sample(text, "requests with several lines", Duplicated);
        Sample(text, "foreign lines", Foreign.Select(l => l.ToString()));
        return text.ToString();
    }

    private static void Sample(StringBuilder text, string title, IEnumerable<string> items)
    {
        var first = items.Take(5).ToList();
        if (first.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  First {title}: {string.Join(" | ", first)}");
        }
    }
}
