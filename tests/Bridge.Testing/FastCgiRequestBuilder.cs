using System.Buffers.Binary;

namespace Bridge.Testing;

/// <summary>
/// Encodes a FastCGI request by hand (FastCGI 1.0 §3.3-§5), independently of Bridge.Protocol: BEGIN_REQUEST,
/// the PARAMS stream cut into records of <see cref="ParamsRecordSize"/> (pairs may straddle records, even inside a
/// 4-byte length) and its empty record, then STDIN in records of <see cref="StdinRecordSize"/> and the empty one.
/// </summary>
public sealed class FastCgiRequestBuilder
{
    /// <summary>FCGI_VERSION_1.</summary>
    public const byte Version = 1;

    /// <summary>BEGIN_REQUEST.</summary>
    public const byte BeginRequestType = 1;

    /// <summary>ABORT_REQUEST.</summary>
    public const byte AbortRequestType = 2;

    /// <summary>PARAMS.</summary>
    public const byte ParamsType = 4;

    /// <summary>STDIN.</summary>
    public const byte StdinType = 5;

    /// <summary>GET_VALUES.</summary>
    public const byte GetValuesType = 9;

    /// <summary>The record header's size.</summary>
    public const int HeaderLength = 8;

    /// <summary>The request id; 1 as nginx sends.</summary>
    public ushort RequestId { get; init; } = 1;

    /// <summary>The role; 1 is RESPONDER.</summary>
    public ushort Role { get; init; } = 1;

    /// <summary>FCGI_KEEP_CONN (flag bit 0).</summary>
    public bool KeepConnection { get; init; }

    /// <summary>Content bytes per PARAMS record, 1..65535. Defaults to 65,535 (nginx sends one record).</summary>
    public int ParamsRecordSize { get; init; } = ushort.MaxValue;

    /// <summary>Content bytes per STDIN record, 1..65535. Defaults to 32,768, nginx's size.</summary>
    public int StdinRecordSize { get; init; } = 32768;

    /// <summary>Padding for each record, taken in order and cycled; null for none.</summary>
    public IReadOnlyList<byte>? Paddings { get; init; }

    /// <summary>Write every length in the 4-byte form, even short ones.</summary>
    public bool ForceLongLengths { get; init; }

    /// <summary>Whether to send the empty STDIN record that ends the body.</summary>
    public bool EndStdin { get; init; } = true;

    /// <summary>The request's records.</summary>
    public byte[] Build(IReadOnlyList<RawVariable> variables, ReadOnlySpan<byte> body)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ParamsRecordSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ParamsRecordSize, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(StdinRecordSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(StdinRecordSize, ushort.MaxValue);
        var output = new List<byte>();
        var recordIndex = 0;
        byte NextPadding() => Paddings is { Count: > 0 } p ? p[recordIndex++ % p.Count] : (byte)0;

        output.AddRange(BeginRequest(RequestId, Role, KeepConnection ? (byte)1 : (byte)0, NextPadding()));
        var stream = EncodePairs(variables, ForceLongLengths);
        for (var start = 0; start < stream.Length; start += ParamsRecordSize)
        {
            output.AddRange(Record(ParamsType, RequestId, stream.AsSpan(start, Math.Min(ParamsRecordSize, stream.Length - start)), NextPadding()));
        }

        output.AddRange(Record(ParamsType, RequestId, [], NextPadding()));
        for (var start = 0; start < body.Length; start += StdinRecordSize)
        {
            output.AddRange(Record(StdinType, RequestId, body.Slice(start, Math.Min(StdinRecordSize, body.Length - start)), NextPadding()));
        }

        if (EndStdin)
        {
            output.AddRange(Record(StdinType, RequestId, [], NextPadding()));
        }

        return [.. output];
    }

    /// <summary>One record: header, content, <paramref name="padding"/> bytes of padding.</summary>
    public static byte[] Record(byte type, ushort requestId, ReadOnlySpan<byte> content, byte padding = 0, byte version = Version)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(content.Length, ushort.MaxValue);
        var record = new byte[HeaderLength + content.Length + padding];
        record[0] = version;
        record[1] = type;
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(2), requestId);
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(4), (ushort)content.Length);
        record[6] = padding;
        content.CopyTo(record.AsSpan(HeaderLength));
        record.AsSpan(HeaderLength + content.Length).Fill(0xEE); // padding bytes are never looked at
        return record;
    }

    /// <summary>A record header alone, with any declared lengths (for truncation and limit tests).</summary>
    public static byte[] Header(byte type, ushort requestId, ushort contentLength, byte padding = 0, byte version = Version)
    {
        var header = new byte[HeaderLength];
        header[0] = version;
        header[1] = type;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), requestId);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), contentLength);
        header[6] = padding;
        return header;
    }

    /// <summary>BEGIN_REQUEST: role (u16 BE), flags, 5 reserved bytes.</summary>
    public static byte[] BeginRequest(ushort requestId, ushort role = 1, byte flags = 0, byte padding = 0)
    {
        Span<byte> body = stackalloc byte[8];
        body.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(body, role);
        body[2] = flags;
        return Record(BeginRequestType, requestId, body, padding);
    }

    /// <summary>The name-value pair stream (§3.4): 1-byte lengths below 128 unless forced, else 4-byte.</summary>
    public static byte[] EncodePairs(IEnumerable<RawVariable> variables, bool forceLongLengths = false)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var stream = new List<byte>();
        foreach (var (name, value) in variables)
        {
            EncodeLength(stream, name.Length, forceLongLengths);
            EncodeLength(stream, value.Length, forceLongLengths);
            stream.AddRange(name);
            stream.AddRange(value);
        }

        return [.. stream];
    }

    /// <summary>Appends one length field.</summary>
    public static void EncodeLength(List<byte> stream, int length, bool forceLong = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length < 0x80 && !forceLong)
        {
            stream.Add((byte)length);
            return;
        }

        Span<byte> field = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(field, (uint)length | 0x8000_0000u);
        stream.AddRange(field);
    }
}
