using System.Buffers.Binary;

namespace Bridge.AspNetCore.Tests.Infrastructure;

/// <summary>One FastCGI record as read from the server.</summary>
internal sealed record FastCgiRecord(byte Version, byte Type, ushort RequestId, byte[] Content)
{
    public uint AppStatus => BinaryPrimitives.ReadUInt32BigEndian(Content);

    public byte ProtocolStatus => Content[4];
}
