using System.Text;

namespace Bridge.Server.Connections;

/// <summary>The answer to plain HTTP sent to a Bridge socket: the mistake named, with the nginx directive to use.</summary>
internal static class PlainHttpAnswer
{
    private const string Body =
        "400 Bad Request: this socket speaks uwsgi and FastCGI (Bridge), not HTTP.\n" +
        "In nginx, replace proxy_pass with\n" +
        "    include uwsgi_params;   uwsgi_pass unix:/path/to.sock;\n" +
        "or\n" +
        "    include fastcgi_params; fastcgi_pass unix:/path/to.sock;\n";

    public static ReadOnlyMemory<byte> Bytes { get; } = Encoding.ASCII.GetBytes(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "
        + Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\r\n\r\n" + Body);
}
