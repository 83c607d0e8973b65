using System.Buffers.Binary;

namespace Bridge.Testing;

/// <summary>
/// Encodes uwsgi requests by hand (uwsgi Protocol.rst), independently of Bridge.Protocol: a 4-byte header
/// (modifier1, datasize u16 LE, modifier2), the vars block of <c>keylen u16 LE, key, vallen u16 LE, value</c>
/// pairs, then the body unframed.
/// </summary>
public static class UwsgiRequestBuilder
{
    /// <summary>The whole request: header, vars block, body.</summary>
    /// <exception cref="ArgumentException">The vars block would exceed 65,535 bytes.</exception>
    public static byte[] Build(IReadOnlyList<RawVariable> variables, ReadOnlySpan<byte> body, byte modifier1 = 0, byte modifier2 = 0)
    {
        var block = VarsBlock(variables);
        if (block.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"The vars block is {block.Length} bytes; a uwsgi datasize holds at most 65,535.", nameof(variables));
        }

        return [.. Header(modifier1, (ushort)block.Length, modifier2), .. block, .. body];
    }

    /// <summary>A request from name/value strings (bytes as Latin-1) and a body.</summary>
    public static byte[] Build(IEnumerable<(string Name, string Value)> variables, ReadOnlySpan<byte> body = default)
        => Build([.. variables.Select(v => RawVariable.Of(v.Name, v.Value))], body);

    /// <summary>The 4-byte header.</summary>
    public static byte[] Header(byte modifier1, ushort dataSize, byte modifier2)
    {
        var header = new byte[4];
        header[0] = modifier1;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(1), dataSize);
        header[3] = modifier2;
        return header;
    }

    /// <summary>The vars block, without a header.</summary>
    public static byte[] VarsBlock(IReadOnlyList<RawVariable> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var block = new List<byte>();
        Span<byte> length = stackalloc byte[2];
        foreach (var (name, value) in variables)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(length, checked((ushort)name.Length));
            block.AddRange(length);
            block.AddRange(name);
            BinaryPrimitives.WriteUInt16LittleEndian(length, checked((ushort)value.Length));
            block.AddRange(length);
            block.AddRange(value);
        }

        return [.. block];
    }
}
