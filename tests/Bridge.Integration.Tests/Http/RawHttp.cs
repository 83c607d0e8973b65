using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Bridge.Integration.Tests.Http;

/// <summary>
/// One hand-written HTTP/1.1 request over a plain socket, for what HttpClient cannot send: the same header on
/// two lines (HttpClient folds a header's values into one line). Connection: close; the body is de-chunked.
/// </summary>
internal static class RawHttp
{
    public static async Task<(int Status, string Head, string Body)> SendAsync(int port, string requestHead, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(requestHead), cancellationToken);
        using var received = new MemoryStream();
        await stream.CopyToAsync(received, cancellationToken); // nginx closes after the response (Connection: close)
        var text = Encoding.UTF8.GetString(received.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0)
        {
            throw new InvalidDataException("No complete response head:\n" + text);
        }

        var head = text[..split];
        var body = text[(split + 4)..];
        var status = int.Parse(head.AsSpan(9, 3), provider: System.Globalization.CultureInfo.InvariantCulture);
        return (status, head, head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase) ? Dechunk(body) : body);
    }

    private static string Dechunk(string body)
    {
        var result = new StringBuilder();
        var position = 0;
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n", position, StringComparison.Ordinal);
            var size = Convert.ToInt32(body[position..lineEnd].Split(';')[0], 16);
            if (size == 0)
            {
                return result.ToString();
            }

            result.Append(body, lineEnd + 2, size); // the bodies here are ASCII JSON: chars are bytes
            position = lineEnd + 2 + size + 2;
        }
    }
}
