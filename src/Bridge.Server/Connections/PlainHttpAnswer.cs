using System.Text;
using Bridge.Server.Options;

namespace Bridge.Server.Connections;

/// <summary>
/// The answer to plain HTTP sent to a Bridge socket: the mistake named, with the nginx directive to use; only the
/// protocol the listener speaks (both for <c>auto</c>).
/// </summary>
internal static class PlainHttpAnswer
{
    private const string UwsgiDirective = "    include uwsgi_params;   uwsgi_pass unix:/path/to.sock;\n";
    private const string FastCgiDirective = "    include fastcgi_params; fastcgi_pass unix:/path/to.sock;\n";

    private static readonly ReadOnlyMemory<byte> Uwsgi = Create("uwsgi", UwsgiDirective);
    private static readonly ReadOnlyMemory<byte> FastCgi = Create("FastCGI", FastCgiDirective);
    private static readonly ReadOnlyMemory<byte> Either = Create("uwsgi and FastCGI", UwsgiDirective + "or\n" + FastCgiDirective);

    public static ReadOnlyMemory<byte> For(ListenerProtocol protocol) => protocol switch
    {
        ListenerProtocol.Uwsgi => Uwsgi,
        ListenerProtocol.FastCgi => FastCgi,
        _ => Either,
    };

    private static ReadOnlyMemory<byte> Create(string speaks, string directives)
    {
        var body = $"400 Bad Request: this socket speaks {speaks} (Bridge), not HTTP.\nIn nginx, replace proxy_pass with\n{directives}";
        return Encoding.ASCII.GetBytes(
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "
            + body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\r\n\r\n" + body);
    }
}
