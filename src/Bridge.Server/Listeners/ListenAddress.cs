using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Bridge.Server.Listeners;

/// <summary>
/// A parsed listener address: <c>unix:/path</c>, <c>unix:@name</c> (Linux abstract namespace), <c>tcp:host:port</c>
/// (IPv4 literal, <c>[IPv6]</c>, <c>localhost</c> or <c>*</c> for all interfaces) or <c>fd:N</c> (an inherited socket).
/// A bare absolute path is taken as <c>unix:</c>.
/// </summary>
/// <param name="Kind">What kind of address it is.</param>
/// <param name="Text">The address in its canonical text form, as in the logs.</param>
/// <param name="EndPoint">The socket end point (null for <c>fd:</c>).</param>
/// <param name="Path">The socket file's path for <c>unix:/path</c>, else null.</param>
/// <param name="FileDescriptor">The inherited descriptor for <c>fd:N</c>, else -1.</param>
public sealed record ListenAddress(ListenAddressKind Kind, string Text, EndPoint? EndPoint, string? Path, int FileDescriptor)
{
    /// <summary>True for a TCP address.</summary>
    public bool IsTcp => Kind == ListenAddressKind.Tcp;

    /// <summary>Parses <paramref name="text"/>; false with a sentence saying what is wrong otherwise.</summary>
    public static bool TryParse(string? text, out ListenAddress? address, out string error)
    {
        address = null;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the address is empty; use unix:/path/to.sock, unix:@name, tcp:127.0.0.1:9000 or fd:3";
            return false;
        }

        if (text.StartsWith('/'))
        {
            text = "unix:" + text;
        }

        if (text.StartsWith("unix:", StringComparison.Ordinal))
        {
            var path = text[5..];
            if (path.StartsWith('@') && path.Length > 1)
            {
                address = new ListenAddress(ListenAddressKind.UnixAbstract, text, new UnixDomainSocketEndPoint("\0" + path[1..]), null, -1);
                return true;
            }

            if (!path.StartsWith('/'))
            {
                error = $"'{text}': a Unix socket path must be absolute (unix:/run/app.sock) or abstract (unix:@name)";
                return false;
            }

            address = new ListenAddress(ListenAddressKind.UnixPath, text, new UnixDomainSocketEndPoint(path), path, -1);
            return true;
        }

        if (text.StartsWith("tcp:", StringComparison.Ordinal))
        {
            return TryParseTcp(text, text[4..], out address, out error);
        }

        if (text.StartsWith("fd:", StringComparison.Ordinal))
        {
            if (int.TryParse(text.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var fd) && fd >= 0)
            {
                address = new ListenAddress(ListenAddressKind.FileDescriptor, text, null, null, fd);
                return true;
            }

            error = $"'{text}': fd: takes a file descriptor number, e.g. fd:3";
            return false;
        }

        error = $"'{text}' is not an address; use unix:/path/to.sock, unix:@name, tcp:127.0.0.1:9000 or fd:3";
        return false;
    }

    private static bool TryParseTcp(string text, string hostPort, out ListenAddress? address, out string error)
    {
        address = null;
        error = $"'{text}': use tcp:HOST:PORT, e.g. tcp:127.0.0.1:9000 or tcp:[::1]:9000";
        var colon = hostPort.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(hostPort.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > ushort.MaxValue)
        {
            return false;
        }

        var host = hostPort[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        IPAddress? ip = host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" => IPAddress.IPv6Any,
            _ => IPAddress.TryParse(host, out var parsed) ? parsed : null,
        };
        if (ip is null)
        {
            error = $"'{text}': the host must be an IP address, localhost or * (no name lookups at start)";
            return false;
        }

        address = new ListenAddress(ListenAddressKind.Tcp, text, new IPEndPoint(ip, port), null, -1);
        return true;
    }
}
