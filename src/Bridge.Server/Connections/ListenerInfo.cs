using Bridge.Server.Listeners;
using Bridge.Server.Options;

namespace Bridge.Server.Connections;

/// <summary>What a connection knows of the listener that accepted it.</summary>
internal sealed record ListenerInfo(ListenAddress Address, ListenerProtocol Protocol)
{
    public string Name => Address.Text;
}
