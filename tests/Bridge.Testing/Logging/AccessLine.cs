using System.Globalization;
using System.Text.RegularExpressions;

namespace Bridge.Testing.Logging;

/// <summary>
/// One line of Bridge's access log (category Bridge.Server.Access, event 390):
/// <c>{Method} {Target} {StatusCode} {Bytes} {DurationMs}ms {Gateway}</c>, e.g. <c>GET /hello?second=7 200 12 0.412ms fastcgi</c>.
/// </summary>
public sealed partial record AccessLine(string Method, string Target, int StatusCode, long Bytes, double DurationMs, string Gateway)
{
    /// <summary>The access line's event id.</summary>
    public const int EventId = 390;

    /// <summary>The access log's category, as in a console log's <c>info: Bridge.Server.Access[390]</c> line.</summary>
    public const string Category = "Bridge.Server.Access";

    /// <summary>Parses the message of an access line; null when <paramref name="message"/> is not one.</summary>
    public static AccessLine? Parse(string message)
    {
        var match = Line().Match(message.Trim());
        if (!match.Success)
        {
            return null;
        }

        return new AccessLine(
            match.Groups["method"].Value,
            match.Groups["target"].Value,
            int.Parse(match.Groups["status"].Value, CultureInfo.InvariantCulture),
            long.Parse(match.Groups["bytes"].Value, CultureInfo.InvariantCulture),
            double.Parse(match.Groups["ms"].Value.Replace(',', '.'), CultureInfo.InvariantCulture),
            match.Groups["gateway"].Value);
    }

    /// <summary>
    /// The access lines of an app's output: as Bridge's own sink writes them (AccessLogProvider, the default: one line,
    /// <c>2026-12-03T17:58:55.123Z GET /hello 200 12 0.412ms uwsgi</c>, maybe after <c>[worker N pid P] </c>), and
    /// as Microsoft.Extensions.Logging's simple console formatter does when the category is routed to the console
    /// (a <c>info: Bridge.Server.Access[390]</c> line, then the message on the next line, indented).
    /// </summary>
    public static List<AccessLine> FromConsoleLog(string log)
    {
        var lines = log.Split('\n');
        var found = new List<AccessLine>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (SinkLine().Match(lines[i].TrimEnd('\r')) is { Success: true } sink && Parse(sink.Groups["message"].Value) is { } own)
            {
                found.Add(own);
            }
            else if (i + 1 < lines.Length
                && lines[i].Contains(Category + "[" + EventId.ToString(CultureInfo.InvariantCulture) + "]", StringComparison.Ordinal)
                && Parse(lines[i + 1]) is { } line)
            {
                found.Add(line);
            }
        }

        return found;
    }

    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{Method} {Target} {StatusCode} {Bytes} {DurationMs:0.000}ms {Gateway}");

    [GeneratedRegex(@"^(\[worker [^\]]*\] )?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (?<message>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex SinkLine();

    [GeneratedRegex(@"^(?<method>\S+) (?<target>\S+) (?<status>\d{3}) (?<bytes>\d+) (?<ms>[0-9.,]+)ms (?<gateway>\S+)$", RegexOptions.CultureInvariant)]
    private static partial Regex Line();
}
