using System.Globalization;

namespace Bridge.Server.Tests.Infrastructure;

/// <summary>
/// A request described the way nginx's uwsgi_params / fastcgi_params describe it: the variables in nginx's order,
/// then one HTTP_* variable per header line (repeated lines stay repeated, as nginx 1.22 sends them).
/// </summary>
internal sealed record TestRequest(string Method, string Uri)
{
    public IReadOnlyList<(string Name, string Value)> Headers { get; init; } = [("Host", "example.test")];

    public byte[] Body { get; init; } = [];

    /// <summary>CONTENT_LENGTH as sent; null: the body's length when there is a body, "" otherwise (what nginx sends for a GET).</summary>
    public string? ContentLength { get; init; }

    public IReadOnlyList<(string Name, string Value)> Extra { get; init; } = [];

    public static TestRequest Get(string uri) => new("GET", uri);

    public List<(string Name, string Value)> Variables()
    {
        var query = Uri.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? Uri : Uri[..query];
        var vars = new List<(string, string)>
        {
            ("QUERY_STRING", query < 0 ? "" : Uri[(query + 1)..]),
            ("REQUEST_METHOD", Method),
            ("CONTENT_TYPE", Headers.FirstOrDefault(h => h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)).Value ?? ""),
            ("CONTENT_LENGTH", ContentLength ?? (Body.Length > 0 ? Body.Length.ToString(CultureInfo.InvariantCulture) : "")),
            ("REQUEST_URI", Uri),
            ("PATH_INFO", path),
            ("DOCUMENT_ROOT", "/usr/share/nginx/html"),
            ("SERVER_PROTOCOL", "HTTP/1.1"),
            ("REQUEST_SCHEME", "http"),
            ("REMOTE_ADDR", "192.0.2.10"),
            ("REMOTE_PORT", "51234"),
            ("SERVER_PORT", "8080"),
            ("SERVER_NAME", "example.test"),
        };
        foreach (var (name, value) in Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            vars.Add(("HTTP_" + name.ToUpperInvariant().Replace('-', '_'), value));
        }

        vars.AddRange(Extra);
        return vars;
    }
}
