namespace Bridge.Protocol.Uwsgi;

/// <summary>The 4-byte uwsgi packet header.</summary>
/// <param name="Modifier1">The packet type (0 for a standard request).</param>
/// <param name="DataSize">The size of the vars block that follows (the body is not counted).</param>
/// <param name="Modifier2">The sub-type; 0 for requests from nginx unless <c>uwsgi_modifier2</c> says otherwise.</param>
public readonly record struct UwsgiPacketHeader(byte Modifier1, ushort DataSize, byte Modifier2)
{
    /// <summary>The header's size on the wire.</summary>
    public const int Length = 4;
}
