using System.Globalization;

namespace Bridge.Integration.Tests.Http;

/// <summary>
/// A response as compared between servers: status, reason phrase, end-to-end headers and body bytes. Date, Server and
/// the hop-by-hop headers are left out. Header lines are sorted by name (stable, so the values of one name keep their
/// order): the order of differently named fields carries no meaning (RFC 9110 §5.3), and Kestrel writes the headers
/// it knows in a fixed order of its own where Bridge keeps the app's.
/// </summary>
internal sealed record ResponseSnapshot(int Status, string? Reason, IReadOnlyList<string> Headers, byte[] Body)
{
    private static readonly HashSet<string> Ignored = new(StringComparer.OrdinalIgnoreCase)
    {
        "Date", "Server", "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade",
    };

    public static async Task<ResponseSnapshot> CaptureAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await client.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var headers = response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated)
            .Where(h => !Ignored.Contains(h.Key) && !h.Key.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase))
            .SelectMany(h => h.Value.Select(v => h.Key.ToLowerInvariant() + ": " + v))
            .OrderBy(line => line[..line.IndexOf(':', StringComparison.Ordinal)], StringComparer.Ordinal)
            .ToArray();
        return new ResponseSnapshot((int)response.StatusCode, response.ReasonPhrase, headers, body);
    }

    public string? Header(string name) =>
        Headers.FirstOrDefault(h => h.StartsWith(name.ToLowerInvariant() + ": ", StringComparison.Ordinal))?[(name.Length + 2)..];

    /// <summary>The same response with another body; a Content-Length header follows the new body's length.</summary>
    public ResponseSnapshot WithBody(byte[] body) => this with
    {
        Body = body,
        Headers = Headers.Select(h => h.StartsWith("content-length: ", StringComparison.Ordinal)
            ? "content-length: " + body.Length.ToString(CultureInfo.InvariantCulture)
            : h).ToArray(),
    };

    public ResponseSnapshot WithHeader(string name, string value) => this with
    {
        Headers = Headers.Select(h => h.StartsWith(name.ToLowerInvariant() + ": ", StringComparison.Ordinal) ? $"{name.ToLowerInvariant()}: {value}" : h).ToArray(),
    };
}
