using System.Buffers;
using System.Buffers.Binary;
using Bridge.Protocol.Gateway;

namespace Bridge.Protocol.Uwsgi;

/// <summary>
/// Reads a uwsgi request packet: the header and the vars block. The body follows unframed; its length is
/// CONTENT_LENGTH (nginx never half-closes, so reading to EOF would hang).
/// </summary>
/// <remarks>
/// <code>
/// +-----------+--------------------+-----------+
/// | modifier1 | datasize (u16, LE) | modifier2 |   header, 4 bytes (uwsgi Protocol.rst, struct uwsgi_packet_header)
/// +-----------+--------------------+-----------+
/// | keylen u16 LE | key | vallen u16 LE | value |   repeated to fill exactly datasize bytes ("The uwsgi vars")
/// +---------------+-----+---------------+-------+
/// </code>
/// </remarks>
public static class UwsgiRequestReader
{
    private const int LengthFieldSize = sizeof(ushort);

    /// <summary>
    /// true: the whole packet was read into <paramref name="variables"/> (cleared first) and
    /// <paramref name="buffer"/> now starts at the body. false: more bytes are needed; nothing was consumed.
    /// </summary>
    /// <exception cref="GatewayProtocolException">The packet is malformed. The header's limits are checked as
    /// soon as its 4 bytes are there, before the vars block is waited for.</exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, in ProtocolLimits limits, GatewayVariables variables, out UwsgiPacketHeader header)
    {
        ArgumentNullException.ThrowIfNull(variables);
        if (!TryReadHeader(buffer, limits, out header))
        {
            return false;
        }

        var packetLength = UwsgiPacketHeader.Length + header.DataSize;
        if (buffer.Length < packetLength)
        {
            return false;
        }

        var block = buffer.Slice(UwsgiPacketHeader.Length, header.DataSize);
        variables.Clear();
        if (block.IsSingleSegment)
        {
            ParseVars(block.FirstSpan, limits, variables);
        }
        else
        {
            var rented = ArrayPool<byte>.Shared.Rent(header.DataSize);
            try
            {
                block.CopyTo(rented);
                ParseVars(rented.AsSpan(0, header.DataSize), limits, variables);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        variables.ValidateRequest();
        buffer = buffer.Slice(packetLength);
        return true;
    }

    /// <summary>Reads and checks the 4-byte header without consuming anything.</summary>
    public static bool TryReadHeader(in ReadOnlySequence<byte> buffer, in ProtocolLimits limits, out UwsgiPacketHeader header)
    {
        header = default;
        if (buffer.Length < UwsgiPacketHeader.Length)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[UwsgiPacketHeader.Length];
        buffer.Slice(0, UwsgiPacketHeader.Length).CopyTo(bytes);
        header = new UwsgiPacketHeader(bytes[0], BinaryPrimitives.ReadUInt16LittleEndian(bytes[1..]), bytes[3]);
        if (!UwsgiModifiers.IsRequest(header.Modifier1))
        {
            ProtocolThrow.Reject(ProtocolError.UnsupportedModifier);
        }

        if (header.DataSize > limits.MaxVarsBlockSize)
        {
            ProtocolThrow.Reject(ProtocolError.VarsBlockTooLarge);
        }

        return true;
    }

    /// <summary>Parses a complete vars block; every length is checked against the block's end.</summary>
    public static void ParseVars(ReadOnlySpan<byte> block, in ProtocolLimits limits, GatewayVariables variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        variables.EnsureCapacity(block.Length);
        var rest = block;
        while (!rest.IsEmpty)
        {
            var key = ReadField(ref rest, ProtocolError.ZeroLengthKey);
            var value = ReadField(ref rest, error: null);
            if (variables.Count >= limits.MaxVariables)
            {
                ProtocolThrow.Reject(ProtocolError.TooManyVariables);
            }

            variables.Add(key, value);
        }
    }

    private static ReadOnlySpan<byte> ReadField(ref ReadOnlySpan<byte> rest, ProtocolError? error)
    {
        if (rest.Length < LengthFieldSize)
        {
            ProtocolThrow.Reject(ProtocolError.VarsOverrun);
        }

        int length = BinaryPrimitives.ReadUInt16LittleEndian(rest);
        if (length == 0 && error is { } emptyError)
        {
            ProtocolThrow.Reject(emptyError);
        }

        if (length > rest.Length - LengthFieldSize)
        {
            ProtocolThrow.Reject(ProtocolError.VarsOverrun);
        }

        var field = rest.Slice(LengthFieldSize, length);
        rest = rest[(LengthFieldSize + length)..];
        return field;
    }
}
