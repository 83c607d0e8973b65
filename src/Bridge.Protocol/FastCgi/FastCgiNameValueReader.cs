using System.Buffers.Binary;
using Bridge.Protocol.Gateway;

namespace Bridge.Protocol.FastCgi;

/// <summary>
/// Decodes FastCGI name-value pairs (spec §3.4) from a whole stream: PARAMS, GET_VALUES, GET_VALUES_RESULT.
/// </summary>
/// <remarks>
/// <code>
/// +------------+-------------+------+-------+
/// | nameLength | valueLength | name | value |   each length: 1 byte (0..127, high bit clear)
/// +------------+-------------+------+-------+   or 4 bytes big-endian, high bit set, 31-bit value
/// </code>
/// Every length is checked against what is left of the stream before anything is read or allocated, so a
/// declared 0x7fffffff is an overrun, not an allocation.
/// </remarks>
public static class FastCgiNameValueReader
{
    private const byte LongFormFlag = 0x80;
    private const int LongFormSize = 4;

    /// <summary>Appends every pair of <paramref name="stream"/> to <paramref name="variables"/>.</summary>
    /// <exception cref="GatewayProtocolException">ParamsOverrun, ZeroLengthKey or TooManyVariables.</exception>
    public static void ReadAll(ReadOnlySpan<byte> stream, in ProtocolLimits limits, GatewayVariables variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        variables.EnsureCapacity(stream.Length);
        var rest = stream;
        while (TryReadPair(ref rest, out var name, out var value))
        {
            if (variables.Count >= limits.MaxVariables)
            {
                ProtocolThrow.Reject(ProtocolError.TooManyVariables);
            }

            variables.Add(name, value);
        }
    }

    /// <summary>Reads the next pair; false at the end of the stream.</summary>
    /// <exception cref="GatewayProtocolException">ParamsOverrun or ZeroLengthKey.</exception>
    public static bool TryReadPair(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = value = default;
        if (rest.IsEmpty)
        {
            return false;
        }

        var nameLength = ReadLength(ref rest);
        var valueLength = ReadLength(ref rest);
        if (nameLength == 0)
        {
            ProtocolThrow.Reject(ProtocolError.ZeroLengthKey);
        }

        if (nameLength > rest.Length || valueLength > rest.Length - nameLength)
        {
            ProtocolThrow.Reject(ProtocolError.ParamsOverrun);
        }

        name = rest[..nameLength];
        value = rest.Slice(nameLength, valueLength);
        rest = rest[(nameLength + valueLength)..];
        return true;
    }

    private static int ReadLength(ref ReadOnlySpan<byte> rest)
    {
        if (rest.IsEmpty)
        {
            ProtocolThrow.Reject(ProtocolError.ParamsOverrun);
        }

        if ((rest[0] & LongFormFlag) == 0)
        {
            int shortLength = rest[0];
            rest = rest[1..];
            return shortLength;
        }

        if (rest.Length < LongFormSize)
        {
            ProtocolThrow.Reject(ProtocolError.ParamsOverrun);
        }

        var length = (int)(BinaryPrimitives.ReadUInt32BigEndian(rest) & int.MaxValue);
        rest = rest[LongFormSize..];
        return length;
    }
}
