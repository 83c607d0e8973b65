using System.Globalization;

namespace Bridge.Testing.FrontEnd;

/// <summary>
/// A request described the way nginx's uwsgi_params / fastcgi_params describe it: the variables in nginx's order,
/// then one HTTP_* variable per header line (repeated lines stay repeated, as nginx 1.22 sends them).
/// </summary>
public sealed record TestRequest(string Method, string Uri)
{
    public IReadOnlyList<(string Name, string Value)> Headers { get; init; } = [("Host", "example.test")];

    public byte[] Body { get; init; } = [];

    /// <summary>CONTENT_LENGTH as sent; null: the body's length when there is a body, "" otherwise (what nginx sends for a GET).</summary>
    public string? ContentLength { get; init; }

    /// <summary>Variables that replace nginx's defaults by name; a null value leaves the variable out.</summary>
    public IReadOnlyList<(string Name, string? Value)> Set { get; init; } = [];

    /// <summary>Variables appended after the headers (e.g. HTTP_CONTENT_TYPE, custom uwsgi_param values).</summary>
    public IReadOnlyList<(string Name, string Value)> Extra { get; init; } = [];

    public static TestRequest Get(string uri) => new("GET", uri);

    public static TestRequest Post(string uri, byte[] body, string contentType = "application/octet-stream")
        => new("POST", uri) { Body = body, Headers = [("Host", "example.test"), ("Content-Type", contentType)] };

    public TestRequest WithHeader(string name, string value) => this with { Headers = [.. Headers, (name, value)] };

    public List<(string Name, string Value)> Variables()
    {
        var query = Uri.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? Uri : Uri[..query];
        var vars = new List<(string Name, string Value)>
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
            ("SERVER_ADDR", "198.51.100.7"),
            ("SERVER_PORT", "8080"),
            ("SERVER_NAME", "example.test"),
        };
        foreach (var (name, value) in Set)
        {
            var index = vars.FindIndex(v => v.Name == name);
            if (index >= 0)
            {
                vars.RemoveAt(index);
            }

            if (value is not null)
            {
                vars.Insert(index >= 0 ? index : vars.Count, (name, value));
            }
        }

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
