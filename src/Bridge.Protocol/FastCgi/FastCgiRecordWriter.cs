using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using Bridge.Protocol.Http;

namespace Bridge.Protocol.FastCgi;

/// <summary>
/// Writes the records an application sends: STDOUT (split at 65,535 bytes), STDERR, END_REQUEST,
/// GET_VALUES_RESULT and UNKNOWN_TYPE. Records are unpadded (padding is optional; nginx accepts any).
/// </summary>
/// <remarks>
/// END_REQUEST content (spec §5.5):
/// <code>
/// +------------------+----------------+-------------+
/// | appStatus (u32)  | protocolStatus | reserved[3] |
/// +------------------+----------------+-------------+
/// </code>
/// Never write an empty STDOUT before the head is complete: nginx takes it as the end of stdout (502).
/// </remarks>
public static class FastCgiRecordWriter
{
    private const int EndRequestBodyLength = 8;
    private const int UnknownTypeBodyLength = 8;

    /// <summary>Writes the CGI response head (<c>Status: 404 Not Found</c>, headers, blank line) as STDOUT.</summary>
    /// <returns>The head's length in bytes, record headers excluded.</returns>
    /// <exception cref="ArgumentException">A header name, value or the phrase would split the response.</exception>
    public static int WriteHead(IBufferWriter<byte> output, ushort requestId, int statusCode, string? reasonPhrase, ReadOnlySpan<ResponseHeader> headers)
    {
        ArgumentNullException.ThrowIfNull(output);
        var length = ResponseHeadFormatter.Measure(ResponseHeadStyle.CgiStatus, statusCode, reasonPhrase, headers);
        if (length <= FastCgiRecordHeader.MaxContentLength)
        {
            var span = output.GetSpan(FastCgiRecordHeader.Length + length);
            WriteHeader(span, FastCgiRecordType.Stdout, requestId, length);
            ResponseHeadFormatter.Write(span[FastCgiRecordHeader.Length..], ResponseHeadStyle.CgiStatus, statusCode, reasonPhrase, headers);
            output.Advance(FastCgiRecordHeader.Length + length);
            return length;
        }

        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            ResponseHeadFormatter.Write(rented, ResponseHeadStyle.CgiStatus, statusCode, reasonPhrase, headers);
            WriteStdout(output, requestId, rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return length;
    }

    /// <summary>Writes <paramref name="data"/> as STDOUT records of at most 65,535 bytes. Empty data writes nothing.</summary>
    public static void WriteStdout(IBufferWriter<byte> output, ushort requestId, ReadOnlySpan<byte> data)
        => WriteStream(output, FastCgiRecordType.Stdout, requestId, data);

    /// <summary>Writes <paramref name="data"/> as STDOUT records, segment by segment.</summary>
    public static void WriteStdout(IBufferWriter<byte> output, ushort requestId, in ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            WriteStream(output, FastCgiRecordType.Stdout, requestId, segment.Span);
        }
    }

    /// <summary>Writes <paramref name="text"/> as STDERR records; nginx logs each record at [error].</summary>
    public static void WriteStderr(IBufferWriter<byte> output, ushort requestId, ReadOnlySpan<byte> text)
        => WriteStream(output, FastCgiRecordType.Stderr, requestId, text);

    /// <summary>Writes the empty record that ends a stream (STDOUT or STDERR).</summary>
    public static void WriteEndOfStream(IBufferWriter<byte> output, FastCgiRecordType streamType, ushort requestId)
    {
        ArgumentNullException.ThrowIfNull(output);
        WriteHeader(output.GetSpan(FastCgiRecordHeader.Length), streamType, requestId, 0);
        output.Advance(FastCgiRecordHeader.Length);
    }

    /// <summary>Writes END_REQUEST: the request id becomes inactive.</summary>
    public static void WriteEndRequest(IBufferWriter<byte> output, ushort requestId, int appStatus, FastCgiProtocolStatus protocolStatus)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(FastCgiRecordHeader.Length + EndRequestBodyLength);
        WriteHeader(span, FastCgiRecordType.EndRequest, requestId, EndRequestBodyLength);
        var body = span.Slice(FastCgiRecordHeader.Length, EndRequestBodyLength);
        BinaryPrimitives.WriteInt32BigEndian(body, appStatus);
        body[4] = (byte)protocolStatus;
        body[5..].Clear();
        output.Advance(FastCgiRecordHeader.Length + EndRequestBodyLength);
    }

    /// <summary>Writes UNKNOWN_TYPE naming <paramref name="recordType"/> (spec §4.2).</summary>
    public static void WriteUnknownType(IBufferWriter<byte> output, byte recordType)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(FastCgiRecordHeader.Length + UnknownTypeBodyLength);
        WriteHeader(span, FastCgiRecordType.UnknownType, FastCgiRecordHeader.ManagementRequestId, UnknownTypeBodyLength);
        span[FastCgiRecordHeader.Length] = recordType;
        span.Slice(FastCgiRecordHeader.Length + 1, UnknownTypeBodyLength - 1).Clear();
        output.Advance(FastCgiRecordHeader.Length + UnknownTypeBodyLength);
    }

    /// <summary>
    /// Answers a GET_VALUES whose content is <paramref name="query"/> with GET_VALUES_RESULT, naming only the
    /// variables it knows (FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS), in the order asked.
    /// </summary>
    /// <exception cref="GatewayProtocolException">The query's pairs are malformed.</exception>
    public static void WriteGetValuesResult(IBufferWriter<byte> output, in ReadOnlySequence<byte> query, FastCgiServerValues values)
    {
        ArgumentNullException.ThrowIfNull(output);
        Span<byte> queryCopy = stackalloc byte[(int)Math.Min(query.Length, 1024)];
        byte[]? rented = null;
        var queryBytes = query.Length <= queryCopy.Length ? queryCopy[..(int)query.Length] : (rented = ArrayPool<byte>.Shared.Rent((int)query.Length)).AsSpan(0, (int)query.Length);
        try
        {
            query.CopyTo(queryBytes);
            Span<byte> content = stackalloc byte[128];
            var length = 0;
            var rest = (ReadOnlySpan<byte>)queryBytes;
            while (FastCgiNameValueReader.TryReadPair(ref rest, out var name, out _))
            {
                var value = name.SequenceEqual("FCGI_MAX_CONNS"u8) ? values.MaxConnections
                    : name.SequenceEqual("FCGI_MAX_REQS"u8) ? values.MaxRequests
                    : name.SequenceEqual("FCGI_MPXS_CONNS"u8) ? (values.MultiplexesConnections ? 1 : 0)
                    : -1;
                if (value >= 0 && length + name.Length + 13 < content.Length)
                {
                    length += WritePair(content[length..], name, value);
                }
            }

            var span = output.GetSpan(FastCgiRecordHeader.Length + length);
            WriteHeader(span, FastCgiRecordType.GetValuesResult, FastCgiRecordHeader.ManagementRequestId, length);
            content[..length].CopyTo(span[FastCgiRecordHeader.Length..]);
            output.Advance(FastCgiRecordHeader.Length + length);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Writes a record header with no padding.</summary>
    public static void WriteHeader(Span<byte> destination, FastCgiRecordType type, ushort requestId, int contentLength)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(contentLength, FastCgiRecordHeader.MaxContentLength);
        destination[0] = FastCgiRecordHeader.Version1;
        destination[1] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], requestId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)contentLength);
        destination[6] = 0;
        destination[7] = 0;
    }

    private static void WriteStream(IBufferWriter<byte> output, FastCgiRecordType type, ushort requestId, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(output);
        while (!data.IsEmpty)
        {
            var chunk = Math.Min(data.Length, FastCgiRecordHeader.MaxContentLength);
            var span = output.GetSpan(FastCgiRecordHeader.Length + chunk);
            WriteHeader(span, type, requestId, chunk);
            data[..chunk].CopyTo(span[FastCgiRecordHeader.Length..]);
            output.Advance(FastCgiRecordHeader.Length + chunk);
            data = data[chunk..];
        }
    }

    // Names here are short and values are small numbers: the 1-byte length form always fits.
    private static int WritePair(Span<byte> destination, ReadOnlySpan<byte> name, int value)
    {
        Span<byte> digits = stackalloc byte[11];
        value.TryFormat(digits, out var digitCount, provider: CultureInfo.InvariantCulture);
        destination[0] = (byte)name.Length;
        destination[1] = (byte)digitCount;
        name.CopyTo(destination[2..]);
        digits[..digitCount].CopyTo(destination[(2 + name.Length)..]);
        return 2 + name.Length + digitCount;
    }
}
