using System.Buffers;
using System.Buffers.Binary;

namespace Bridge.Protocol.FastCgi;

/// <summary>
/// Reads FastCGI record headers and whole records (spec §3.3). Multi-byte fields are big-endian; padding is
/// skipped whatever its length (nginx pads to 8, Apache and uWSGI do not).
/// </summary>
/// <remarks>
/// <code>
/// +---------+------+-----------------+---------------------+---------------+----------+
/// | version | type | requestId (u16) | contentLength (u16) | paddingLength | reserved |
/// +---------+------+-----------------+---------------------+---------------+----------+
/// | content (contentLength bytes) | padding (paddingLength bytes)                      |
/// +-------------------------------+----------------------------------------------------+
/// </code>
/// </remarks>
public static class FastCgiRecordReader
{
    /// <summary>
    /// Reads the header at the start of <paramref name="buffer"/> without consuming anything. false: fewer than
    /// 8 bytes. The version is checked from the first byte, so a stream that is not FastCGI fails at once.
    /// </summary>
    /// <exception cref="GatewayProtocolException">BadFastCgiVersion.</exception>
    public static bool TryReadHeader(in ReadOnlySequence<byte> buffer, out FastCgiRecordHeader header)
    {
        header = default;
        if (buffer.IsEmpty)
        {
            return false;
        }

        var first = buffer.FirstSpan;
        if (FirstByte(buffer, first) != FastCgiRecordHeader.Version1)
        {
            ProtocolThrow.Reject(ProtocolError.BadFastCgiVersion);
        }

        if (buffer.Length < FastCgiRecordHeader.Length)
        {
            return false;
        }

        Span<byte> copy = stackalloc byte[FastCgiRecordHeader.Length];
        var bytes = first.Length >= FastCgiRecordHeader.Length ? first : Copy(buffer, copy);
        header = new FastCgiRecordHeader(
            (FastCgiRecordType)bytes[1],
            BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]),
            BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]),
            bytes[6]);
        return true;
    }

    /// <summary>
    /// true: one whole record was read; <paramref name="content"/> slices <paramref name="buffer"/>, which now
    /// starts after the record's padding. false: more bytes are needed; nothing was consumed.
    /// </summary>
    /// <exception cref="GatewayProtocolException">BadFastCgiVersion.</exception>
    public static bool TryReadRecord(ref ReadOnlySequence<byte> buffer, out FastCgiRecordHeader header, out ReadOnlySequence<byte> content)
    {
        content = default;
        if (!TryReadHeader(buffer, out header) || buffer.Length < header.RecordLength)
        {
            return false;
        }

        content = buffer.Slice(FastCgiRecordHeader.Length, header.ContentLength);
        buffer = buffer.Slice(header.RecordLength);
        return true;
    }

    // A sequence may start with an empty segment (a pipe's buffer can, after AdvanceTo at a segment's end).
    private static byte FirstByte(in ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> first)
    {
        if (!first.IsEmpty)
        {
            return first[0];
        }

        Span<byte> one = stackalloc byte[1];
        buffer.Slice(0, 1).CopyTo(one);
        return one[0];
    }

    private static ReadOnlySpan<byte> Copy(in ReadOnlySequence<byte> buffer, Span<byte> destination)
    {
        buffer.Slice(0, FastCgiRecordHeader.Length).CopyTo(destination);
        return destination;
    }
}
