using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Bridge.Testing.FrontEnd;

/// <summary>
/// uwsgi requests encoded by hand (header: modifier1, datasize u16 LE, modifier2; vars: keylen u16 LE, key,
/// vallen u16 LE, value; then the body) and sent the way nginx does: one request per connection.
/// </summary>
public static class UwsgiWire
{
    public static byte[] Encode(TestRequest request, byte modifier1 = 0) => Packet(request.Variables(), request.Body, modifier1);

    public static byte[] Packet(IEnumerable<(string Name, string Value)> variables, ReadOnlySpan<byte> body = default, byte modifier1 = 0)
    {
        var block = VarsBlock(variables);
        return [.. Header(modifier1, checked((ushort)block.Length)), .. block, .. body];
    }

    public static byte[] Header(byte modifier1, ushort dataSize, byte modifier2 = 0)
    {
        var header = new byte[4];
        header[0] = modifier1;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(1), dataSize);
        header[3] = modifier2;
        return header;
    }

    public static byte[] VarsBlock(IEnumerable<(string Name, string Value)> variables)
    {
        using var block = new MemoryStream();
        Span<byte> length = stackalloc byte[2];
        foreach (var (name, value) in variables)
        {
            var n = Encoding.Latin1.GetBytes(name);
            var v = Encoding.Latin1.GetBytes(value);
            BinaryPrimitives.WriteUInt16LittleEndian(length, checked((ushort)n.Length));
            block.Write(length);
            block.Write(n);
            BinaryPrimitives.WriteUInt16LittleEndian(length, checked((ushort)v.Length));
            block.Write(length);
            block.Write(v);
        }

        return block.ToArray();
    }

    public static async Task<WireResponse> SendAsync(EndPoint endPoint, TestRequest request)
        => WireResponse.ParseHttp(await Wire.ExchangeAsync(endPoint, Encode(request)));
}
