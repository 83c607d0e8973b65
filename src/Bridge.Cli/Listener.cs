using Bridge.Server.Listeners;
using System.Net.Sockets;
using Bridge.Server.Options;

namespace Bridge.Cli;

/// <summary>One listening socket the supervisor holds for its whole life and its workers inherit at <see cref="FileDescriptor"/>.</summary>
internal sealed record Listener(string Address, ListenerProtocol Protocol, int Backlog, Socket Socket, int FileDescriptor, string? CreatedPath, SocketFileIdentity? CreatedIdentity = null)
{
    /// <summary>The protocol as the worker configuration and the stats spell it.</summary>
    public string ProtocolName => Protocol switch
    {
        ListenerProtocol.Uwsgi => "uwsgi",
        ListenerProtocol.FastCgi => "fastcgi",
        _ => "auto",
    };
}
