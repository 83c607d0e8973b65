using System.Text;
using Bridge.Protocol.Http;

namespace Bridge.Protocol.Tests;

/// <summary>Parses a response head back (first line, header lines, blank line), for the writer round trips.</summary>
internal static class HeadParser
{
    public static (string FirstLine, List<ResponseHeader> Headers) Parse(ReadOnlySpan<byte> head)
    {
        var text = Encoding.Latin1.GetString(head);
        Assert.EndsWith("\r\n\r\n", text, StringComparison.Ordinal);
        var lines = text[..^4].Split("\r\n");
        var headers = new List<ResponseHeader>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            Assert.True(colon > 0, $"Not a header line: '{line}'.");
            headers.Add(new ResponseHeader(line[..colon], line[(colon + 2)..]));
        }

        return (lines[0], headers);
    }
}
