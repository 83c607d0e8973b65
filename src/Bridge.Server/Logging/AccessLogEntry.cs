using System.Collections;
using System.Globalization;

namespace Bridge.Server.Logging;

/// <summary>
/// One access log line (category <c>Bridge.Server.Access</c>, event 390): what every logging provider receives as
/// the state of the entry. Structured providers see the named values (Method, Target, StatusCode, Bytes,
/// DurationMs, Gateway, {OriginalFormat}); the message is <c>{Method} {Target} {StatusCode} {Bytes} {DurationMs}ms
/// {Gateway}</c>. Method and target come from the wire and are already escaped (no control characters).
/// </summary>
/// <param name="Method">REQUEST_METHOD.</param>
/// <param name="Target">REQUEST_URI as received.</param>
/// <param name="StatusCode">The status the front end got (499 when the request was aborted before any answer).</param>
/// <param name="Bytes">Body bytes the app wrote.</param>
/// <param name="DurationMs">From the request's start to the end of its response.</param>
/// <param name="Gateway"><c>uwsgi</c> or <c>fastcgi</c>.</param>
public readonly record struct AccessLogEntry(string Method, string Target, int StatusCode, long Bytes, double DurationMs, string Gateway)
    : IReadOnlyList<KeyValuePair<string, object?>>
{
    /// <summary>The event id of an access line.</summary>
    public const int EventId = 390;

    /// <summary>The message template, as structured providers record it.</summary>
    public const string Template = "{Method} {Target} {StatusCode} {Bytes} {DurationMs:0.000}ms {Gateway}";

    /// <summary>Formats the message (what ILogger's formatter argument is given).</summary>
    public static readonly Func<AccessLogEntry, Exception?, string> Formatter = static (entry, _) => entry.ToString();

    /// <inheritdoc />
    public int Count => 7;

    /// <inheritdoc />
    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("Method", Method),
        1 => new("Target", Target),
        2 => new("StatusCode", StatusCode),
        3 => new("Bytes", Bytes),
        4 => new("DurationMs", DurationMs),
        5 => new("Gateway", Gateway),
        6 => new("{OriginalFormat}", Template),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    /// <inheritdoc />
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The message: <c>GET /hello 200 12 0.412ms uwsgi</c>.</summary>
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{Method} {Target} {StatusCode} {Bytes} {DurationMs:0.000}ms {Gateway}");
}
