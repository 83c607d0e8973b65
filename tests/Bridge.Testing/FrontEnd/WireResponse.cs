using System.Globalization;
using System.Text;
using Xunit;

namespace Bridge.Testing.FrontEnd;

/// <summary>A parsed response: a uwsgi HTTP/1.1 response, or the CGI response carried in FastCGI STDOUT.</summary>
public sealed class WireResponse
{
    private WireResponse(string firstLine, int statusCode, List<(string Name, string Value)> headers, byte[] body, string head)
    {
        FirstLine = firstLine;
        StatusCode = statusCode;
        Headers = headers;
        Body = body;
        Head = head;
    }

    /// <summary>"HTTP/1.1 200 OK" (uwsgi) or "Status: 200 OK" (FastCGI).</summary>
    public string FirstLine { get; }

    public int StatusCode { get; }

    /// <summary>Every header line after the first, in order.</summary>
    public List<(string Name, string Value)> Headers { get; }

    public byte[] Body { get; }

    public string BodyText => Encoding.UTF8.GetString(Body);

    public string Head { get; }

    public string? Header(string name) => Headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();

    public IReadOnlyList<string> All(string name) => [.. Headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value)];

    /// <summary>uwsgi: an HTTP status line, headers, a blank line, the body.</summary>
    public static WireResponse ParseHttp(byte[] raw)
    {
        var (lines, body, head) = Split(raw);
        Assert.True(lines.Count > 0, "Empty response.");
        var status = lines[0];
        Assert.StartsWith("HTTP/1.1 ", status, StringComparison.Ordinal);
        var code = int.Parse(status.AsSpan(9, 3), CultureInfo.InvariantCulture);
        return new WireResponse(status, code, [.. lines.Skip(1).Select(ParseHeader)], body, head);
    }

    /// <summary>FastCGI: CGI headers beginning with Status, a blank line, the body.</summary>
    public static WireResponse ParseCgi(byte[] raw)
    {
        var (lines, body, head) = Split(raw);
        Assert.True(lines.Count > 0, "Empty response.");
        var first = lines[0];
        Assert.StartsWith("Status: ", first, StringComparison.Ordinal);
        var code = int.Parse(first.AsSpan(8, 3), CultureInfo.InvariantCulture);
        return new WireResponse(first, code, [.. lines.Skip(1).Select(ParseHeader)], body, head);
    }

    private static (List<string> Lines, byte[] Body, string Head) Split(byte[] raw)
    {
        var end = raw.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(end >= 0, "No end of head in: " + Encoding.Latin1.GetString(raw[..Math.Min(raw.Length, 500)]));
        var head = Encoding.Latin1.GetString(raw, 0, end);
        return ([.. head.Split("\r\n")], raw[(end + 4)..], head);
    }

    private static (string, string) ParseHeader(string line)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        Assert.True(colon > 0, "Header line without a colon: " + line);
        return (line[..colon], line[(colon + 1)..].TrimStart(' '));
    }
}
