using System.Buffers;
using System.Text;
using Bridge.Protocol.Gateway;

namespace Bridge.Protocol.Http;

// chunked transfer coding (RFC 9112 §7.1)
// +--------------------------------+----------------+------+
// | chunk-size (hex) [; ext] CRLF  | chunk-data     | CRLF |   repeated while chunk-size > 0
// +--------------------------------+----------------+------+
// | 0 [; ext] CRLF                 | *(trailer-field CRLF)  | CRLF |
// +--------------------------------+------------------------+------+
/// <summary>
/// De-chunks a request body that a front end forwarded with its chunk framing (uWSGI's HTTP router with
/// <c>--http-chunked-input</c>). Data is returned in place, as slices of the input: nothing is copied. Chunk
/// extensions and trailer fields are read and ignored (RFC 9112 §7.1.1, §7.1.2). Lines end with CRLF; a bare LF, a
/// size that is not hex or does not fit 63 bits, a line over <see cref="MaxLineLength"/> or a trailer section over
/// <see cref="MaxTrailerLength"/> is <see cref="ProtocolError.InvalidChunkedBody"/>.
/// </summary>
public static class ChunkedBodyReader
{
    /// <summary>The longest chunk-size line (extensions included) or trailer line, without its CRLF: nginx's large_client_header_buffers size.</summary>
    public const int MaxLineLength = 8192;

    /// <summary>The most trailer bytes after the last chunk: a uwsgi vars block's size.</summary>
    public const int MaxTrailerLength = 65535;

    private const int MaxSizeDigits = 15; // significant hex digits: below 2^60, so no overflow check per digit

    /// <summary>
    /// The body framing a uwsgi request declares: false for CONTENT_LENGTH (nginx de-chunks and sends it, leaving
    /// HTTP_TRANSFER_ENCODING in place) or no body; true when there is no CONTENT_LENGTH and HTTP_TRANSFER_ENCODING's
    /// final coding is chunked (RFC 9112 §6.3).
    /// </summary>
    /// <exception cref="GatewayProtocolException">UnsupportedTransferEncoding: a transfer coding without a final chunked, and no length.</exception>
    public static bool IsChunked(GatewayVariables variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var codings = variables.TransferEncoding;
        if (variables.ContentLength is not null || codings.IsEmpty)
        {
            return false;
        }

        var comma = codings.LastIndexOf((byte)',');
        var last = codings[(comma + 1)..].Trim(" \t"u8);
        if (!Ascii.EqualsIgnoreCase(last, "chunked"u8))
        {
            ProtocolThrow.Reject(ProtocolError.UnsupportedTransferEncoding);
        }

        return true;
    }

    /// <summary>
    /// Reads framing from <paramref name="buffer"/> up to the next data or the end of the body.
    /// true: either <paramref name="data"/> holds the next decoded bytes (at most the rest of the current chunk),
    /// starting where <paramref name="buffer"/> now starts; the caller reports what it uses with
    /// <see cref="ChunkedBodyState.Consume"/>; or the body is complete (<see cref="ChunkedBodyState.IsCompleted"/>,
    /// <paramref name="data"/> empty) and <paramref name="buffer"/> starts after it.
    /// false: more bytes are needed; <paramref name="buffer"/> starts after the framing read so far, which
    /// <paramref name="state"/> remembers.
    /// </summary>
    /// <exception cref="GatewayProtocolException">InvalidChunkedBody.</exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, ref ChunkedBodyState state, out ReadOnlySequence<byte> data)
    {
        data = default;
        var reader = new SequenceReader<byte>(buffer);
        try
        {
            while (true)
            {
                switch (state.Phase)
                {
                    case ChunkedPhase.Size:
                        if (!TryReadLine(ref reader, out var sizeLine))
                        {
                            return false;
                        }

                        state.ChunkRemaining = ParseSize(sizeLine);
                        state.Phase = state.ChunkRemaining == 0 ? ChunkedPhase.Trailer : ChunkedPhase.Data;
                        break;
                    case ChunkedPhase.Data:
                        if (state.ChunkRemaining == 0)
                        {
                            state.Phase = ChunkedPhase.DataEnd;
                            break;
                        }

                        if (reader.End)
                        {
                            return false;
                        }

                        data = reader.UnreadSequence.Slice(0, Math.Min(reader.Remaining, state.ChunkRemaining));
                        return true;
                    case ChunkedPhase.DataEnd:
                        if (reader.Remaining < 2)
                        {
                            return false;
                        }

                        if (!reader.IsNext("\r\n"u8, advancePast: true))
                        {
                            ProtocolThrow.Reject(ProtocolError.InvalidChunkedBody); // data longer than its chunk-size
                        }

                        state.Phase = ChunkedPhase.Size;
                        break;
                    case ChunkedPhase.Trailer:
                        if (!TryReadLine(ref reader, out var trailerLine))
                        {
                            return false;
                        }

                        if (trailerLine.IsEmpty)
                        {
                            state.Phase = ChunkedPhase.Completed;
                            return true;
                        }

                        state.TrailerLength += (int)trailerLine.Length + 2;
                        if (state.TrailerLength > MaxTrailerLength)
                        {
                            ProtocolThrow.Reject(ProtocolError.InvalidChunkedBody);
                        }

                        break; // a trailer field: ignored
                    default:
                        return true;
                }
            }
        }
        finally
        {
            buffer = buffer.Slice(reader.Position);
        }
    }

    // One line without its CRLF. A line is only taken whole: until its LF arrives the reader stays where it was.
    private static bool TryReadLine(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> line)
    {
        if (!reader.TryReadTo(out ReadOnlySequence<byte> withCr, (byte)'\n'))
        {
            if (reader.Remaining > MaxLineLength + 1)
            {
                ProtocolThrow.Reject(ProtocolError.InvalidChunkedBody); // no line end in sight: never buffered without bound
            }

            line = default;
            return false;
        }

        var length = withCr.Length - 1;
        if (length < 0 || length > MaxLineLength || !IsCr(withCr.Slice(length)) || withCr.Slice(0, length).PositionOf((byte)'\r') is not null)
        {
            ProtocolThrow.Reject(ProtocolError.InvalidChunkedBody); // a bare LF, a CR inside the line, or too long
        }

        line = withCr.Slice(0, length);
        return true;
    }

    // chunk-size [ BWS ";" extensions ]: 1*HEXDIG, optional whitespace (nginx accepts it too), then the end or ';'.
    private static long ParseSize(ReadOnlySequence<byte> line)
    {
        var reader = new SequenceReader<byte>(line);
        long size = 0;
        var digits = 0;
        var significant = 0;
        while (reader.TryPeek(out var b) && HexValue(b) is var value and >= 0)
        {
            digits++;
            if ((size != 0 || value != 0) && ++significant > MaxSizeDigits)
            {
                ProtocolThrow.Reject(ProtocolError.InvalidChunkedBody); // 2^60 or more: no body is that large
            }

            size = (size << 4) | (uint)value;
            reader.Advance(1);
        }

        if (digits == 0)
        {
            ProtocolThrow.Reject(ProtocolError.InvalidChunkedBody);
        }

        reader.AdvancePastAny((byte)' ', (byte)'\t');
        if (!reader.End && !reader.IsNext((byte)';'))
        {
            ProtocolThrow.Reject(ProtocolError.InvalidChunkedBody);
        }

        return size;
    }

    private static bool IsCr(ReadOnlySequence<byte> oneByte) => oneByte.FirstSpan[0] == (byte)'\r';

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
