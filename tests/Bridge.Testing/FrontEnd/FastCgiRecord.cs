using System.Buffers.Binary;

namespace Bridge.Testing.FrontEnd;

/// <summary>One FastCGI record as read from the server.</summary>
public sealed record FastCgiRecord(byte Version, byte Type, ushort RequestId, byte[] Content)
{
    public uint AppStatus => BinaryPrimitives.ReadUInt32BigEndian(Content);

    public byte ProtocolStatus => Content[4];
}
