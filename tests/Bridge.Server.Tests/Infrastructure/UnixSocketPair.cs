using System.Net.Sockets;

namespace Bridge.Server.Tests.Infrastructure;

/// <summary>A connected pair of Unix stream sockets, for the socket connection's tests.</summary>
internal static class UnixSocketPair
{
    /// <summary>
    /// Listens on <paramref name="path"/> (a new socket file), connects to it and accepts: the accepted side is
    /// non-blocking, as the acceptor hands a socket to a SocketConnection; the peer, blocking, plays the front end.
    /// </summary>
    public static (Socket Server, Socket Peer) Connect(string path)
    {
        using var listen = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listen.Bind(new UnixDomainSocketEndPoint(path));
        listen.Listen(1);
        var peer = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        peer.Connect(new UnixDomainSocketEndPoint(path));
        var server = listen.Accept();
        server.Blocking = false;
        return (server, peer);
    }
}
