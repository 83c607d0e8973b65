using System.Buffers;
using System.Buffers.Binary;
using Bridge.Protocol.Gateway;

namespace Bridge.Protocol.FastCgi;

/// <summary>
/// Turns the records of one FastCGI connection into <see cref="FastCgiFrame"/>s and tracks its request ids,
/// so a client that multiplexes is served correctly (nginx and Apache never do: id 1, one at a time).
/// An id becomes active at BEGIN_REQUEST and stays active until <see cref="Complete"/>; records of other
/// stream types for ids that are not active are skipped (spec §3.3, "Managing Request IDs").
/// One instance per connection, reusable after <see cref="Reset"/>; not thread-safe.
/// </summary>
/// <remarks>
/// BEGIN_REQUEST content (spec §5.1):
/// <code>
/// +------------+-------+--------------+
/// | role (u16) | flags | reserved[5]  |   flags bit 0: FCGI_KEEP_CONN
/// +------------+-------+--------------+
/// </code>
/// </remarks>
public sealed class FastCgiRequestDecoder : IDisposable
{
    private const int BeginRequestBodyLength = 8;
    private const byte KeepConnectionFlag = 1;

    private readonly ProtocolLimits _limits;
    private readonly FastCgiRequestState?[] _requests;
    private int _activeCount;

    /// <summary>Creates a decoder with the given limits.</summary>
    public FastCgiRequestDecoder(ProtocolLimits limits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxMultiplexedRequests, 1, nameof(limits));
        _limits = limits;
        _requests = new FastCgiRequestState?[limits.MaxMultiplexedRequests];
    }

    /// <summary>How many requests are active.</summary>
    public int ActiveCount => _activeCount;

    /// <summary>
    /// The request id of the last record header read: when <see cref="TryReadFrame"/> throws, the request the bad
    /// record belongs to (0 for a management record), so a request whose PARAMS break a limit can still be answered.
    /// </summary>
    public ushort CurrentRequestId { get; private set; }

    /// <summary>
    /// true: one frame was read and <paramref name="buffer"/> starts after the records it used. false: more bytes
    /// are needed; <paramref name="buffer"/> starts after any skipped records (consumed) and before the
    /// incomplete one. <see cref="FastCgiFrame.Data"/> slices the buffer: copy it before advancing the reader.
    /// </summary>
    /// <exception cref="GatewayProtocolException">The record stream is malformed; the connection cannot go on.</exception>
    public bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out FastCgiFrame frame)
    {
        while (FastCgiRecordReader.TryReadHeader(buffer, out var header))
        {
            CurrentRequestId = header.RequestId;
            var request = header.RequestId == FastCgiRecordHeader.ManagementRequestId ? null : Find(header.RequestId);
            if (header.Type == FastCgiRecordType.Params && request is { ParamsComplete: false }
                && request.ParamsLength + header.ContentLength > _limits.MaxParamsSize)
            {
                ProtocolThrow.Reject(ProtocolError.ParamsTooLarge); // from the header alone, before buffering the content
            }

            if (buffer.Length < header.RecordLength)
            {
                break;
            }

            var content = buffer.Slice(FastCgiRecordHeader.Length, header.ContentLength);
            var rest = buffer.Slice(header.RecordLength);
            var produced = header.RequestId == FastCgiRecordHeader.ManagementRequestId
                ? ReadManagement(header, content, out frame)
                : ReadApplication(header, request, content, ref rest, out frame);
            buffer = rest;
            if (produced)
            {
                return true;
            }
        }

        frame = default;
        return false;
    }

    /// <summary>
    /// Decodes the PARAMS of active request <paramref name="requestId"/> into <paramref name="variables"/> (cleared
    /// now): the caller owns them for as long as its request needs them, beyond <see cref="Complete"/>; the decoder
    /// writes into them only until the request's PARAMS are complete. Without it, a request's variables are the
    /// decoder's own and are reused once the id is completed. Call after the BEGIN_REQUEST frame, before PARAMS.
    /// </summary>
    public void UseVariables(ushort requestId, GatewayVariables variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var request = Find(requestId) ?? throw new InvalidOperationException($"FastCGI request {requestId} is not active.");
        if (request.ParamsLength > 0 || request.ParamsComplete)
        {
            throw new InvalidOperationException($"FastCGI request {requestId} has begun its PARAMS already.");
        }

        request.Use(variables);
    }

    /// <summary>
    /// Frees <paramref name="requestId"/> once its END_REQUEST has been written: its variables may be reused
    /// and a new BEGIN_REQUEST may take the id.
    /// </summary>
    public void Complete(ushort requestId)
    {
        for (var i = 0; i < _requests.Length; i++)
        {
            if (_requests[i] is { Active: true } request && request.RequestId == requestId)
            {
                request.Deactivate();
                _activeCount--;
                return;
            }
        }
    }

    /// <summary>Forgets every request (for reuse on another connection).</summary>
    public void Reset()
    {
        foreach (var request in _requests)
        {
            request?.Deactivate();
        }

        _activeCount = 0;
    }

    /// <summary>Returns pooled buffers.</summary>
    public void Dispose()
    {
        foreach (var request in _requests)
        {
            request?.Dispose();
        }

        Array.Clear(_requests);
        _activeCount = 0;
    }

    private static bool ReadManagement(FastCgiRecordHeader header, in ReadOnlySequence<byte> content, out FastCgiFrame frame)
    {
        frame = header.Type switch
        {
            FastCgiRecordType.GetValues => new FastCgiFrame(FastCgiFrameKind.GetValues, 0) { Data = content },
            >= FastCgiRecordType.BeginRequest and <= FastCgiRecordType.Data => Reject(ProtocolError.UnexpectedRequestId),
            _ => new FastCgiFrame(FastCgiFrameKind.UnknownManagementType, 0) { RecordType = (byte)header.Type },
        };
        return true;
    }

    private bool ReadApplication(FastCgiRecordHeader header, FastCgiRequestState? request, in ReadOnlySequence<byte> content, ref ReadOnlySequence<byte> rest, out FastCgiFrame frame)
    {
        frame = default;
        switch (header.Type)
        {
            case FastCgiRecordType.BeginRequest:
                frame = Begin(header, request, content);
                return true;
            case FastCgiRecordType.AbortRequest when request is not null:
                frame = new FastCgiFrame(FastCgiFrameKind.AbortRequest, header.RequestId);
                return true;
            case FastCgiRecordType.Params when request is not null:
                return ReadParams(header, request, content, ref rest, out frame);
            case FastCgiRecordType.Stdin when request is not null:
                frame = ReadStdin(header, request, content);
                return true;
            case FastCgiRecordType.AbortRequest or FastCgiRecordType.Params or FastCgiRecordType.Stdin or FastCgiRecordType.Data:
                return false; // inactive id, or DATA (Filter role only): skipped
            default:
                ProtocolThrow.Reject(ProtocolError.BadRecord); // END_REQUEST, STDOUT, STDERR, management or unknown types
                return false;
        }
    }

    private FastCgiFrame Begin(FastCgiRecordHeader header, FastCgiRequestState? request, in ReadOnlySequence<byte> content)
    {
        if (header.ContentLength != BeginRequestBodyLength)
        {
            ProtocolThrow.Reject(ProtocolError.BadRecord);
        }

        if (request is not null)
        {
            ProtocolThrow.Reject(ProtocolError.UnexpectedRequestId);
        }

        Span<byte> body = stackalloc byte[BeginRequestBodyLength];
        content.CopyTo(body);
        var role = (FastCgiRole)BinaryPrimitives.ReadUInt16BigEndian(body);
        var keepConnection = (body[2] & KeepConnectionFlag) != 0;
        var status = role != FastCgiRole.Responder ? FastCgiProtocolStatus.UnknownRole
            : _activeCount < _requests.Length ? FastCgiProtocolStatus.RequestComplete
            : _requests.Length == 1 ? FastCgiProtocolStatus.CantMpxConn
            : FastCgiProtocolStatus.Overloaded;
        if (status != FastCgiProtocolStatus.RequestComplete)
        {
            return new FastCgiFrame(FastCgiFrameKind.BeginRejected, header.RequestId) { Role = role, ProtocolStatus = status, KeepConnection = keepConnection };
        }

        Activate(header.RequestId);
        return new FastCgiFrame(FastCgiFrameKind.BeginRequest, header.RequestId) { Role = role, KeepConnection = keepConnection };
    }

    private bool ReadParams(FastCgiRecordHeader header, FastCgiRequestState request, in ReadOnlySequence<byte> content, ref ReadOnlySequence<byte> rest, out FastCgiFrame frame)
    {
        frame = default;
        if (request.ParamsComplete)
        {
            ProtocolThrow.Reject(ProtocolError.UnexpectedRecord);
        }

        if (header.ContentLength == 0)
        {
            request.CompleteParams(_limits);
            frame = new FastCgiFrame(FastCgiFrameKind.ParamsComplete, header.RequestId) { Variables = request.Variables };
            return true;
        }

        // nginx sends all params in one record followed by the empty one: decode straight from the buffer.
        if (request.ParamsLength == 0 && IsEmptyParams(rest, header.RequestId, out var emptyRecordLength))
        {
            request.CompleteParams(content, _limits);
            rest = rest.Slice(emptyRecordLength);
            frame = new FastCgiFrame(FastCgiFrameKind.ParamsComplete, header.RequestId) { Variables = request.Variables };
            return true;
        }

        request.AppendParams(content);
        return false;
    }

    private static FastCgiFrame ReadStdin(FastCgiRecordHeader header, FastCgiRequestState request, in ReadOnlySequence<byte> content)
    {
        if (!request.ParamsComplete || request.StdinComplete)
        {
            ProtocolThrow.Reject(ProtocolError.UnexpectedRecord);
        }

        if (header.ContentLength == 0)
        {
            request.StdinComplete = true;
            return new FastCgiFrame(FastCgiFrameKind.StdinComplete, header.RequestId);
        }

        return new FastCgiFrame(FastCgiFrameKind.StdinData, header.RequestId) { Data = content };
    }

    private static bool IsEmptyParams(in ReadOnlySequence<byte> rest, ushort requestId, out int recordLength)
    {
        recordLength = 0;
        if (rest.FirstSpan is not [FastCgiRecordHeader.Version1, ..] || !FastCgiRecordReader.TryReadHeader(rest, out var next))
        {
            return false;
        }

        recordLength = next.RecordLength;
        return next.Type == FastCgiRecordType.Params && next.RequestId == requestId && next.ContentLength == 0 && rest.Length >= recordLength;
    }

    private FastCgiRequestState? Find(ushort requestId)
    {
        foreach (var request in _requests)
        {
            if (request is { Active: true } && request.RequestId == requestId)
            {
                return request;
            }
        }

        return null;
    }

    private void Activate(ushort requestId)
    {
        for (var i = 0; i < _requests.Length; i++)
        {
            var request = _requests[i] ??= new FastCgiRequestState();
            if (!request.Active)
            {
                request.Activate(requestId);
                _activeCount++;
                return;
            }
        }
    }

    private static FastCgiFrame Reject(ProtocolError error)
    {
        ProtocolThrow.Reject(error);
        return default;
    }
}
