using System.Buffers;
using System.Buffers.Binary;
using Bridge.Protocol;
using Bridge.Protocol.FastCgi;
using Bridge.Protocol.Gateway;

namespace Bridge.Testing;

/// <summary>
/// Reads one FastCGI connection as the server does: <see cref="FastCgiRequestDecoder.TryReadFrame"/> in a loop,
/// collecting every frame; a request is completed (<see cref="FastCgiRequestDecoder.Complete"/>) when its empty
/// STDIN arrives, the vectors' rule for a request's lifetime. End of input inside a record is
/// <see cref="ProtocolError.TruncatedRecord"/>, decided here as the server loop decides it.
/// </summary>
/// <remarks>
/// After every <c>false</c> the driver checks that the decoder left no whole record unread: it never needs more
/// than one record in memory to make progress.
/// </remarks>
public sealed class FastCgiVectorDriver : IDisposable
{
    private readonly ProtocolLimits _limits;
    private readonly FastCgiRequestDecoder _decoder;
    private readonly Dictionary<ushort, FastCgiRequestResult> _open = [];
    private readonly FastCgiVectorResult _result = new();

    private FastCgiVectorDriver(ProtocolLimits limits)
    {
        _limits = limits;
        _decoder = new FastCgiRequestDecoder(limits);
    }

    /// <summary>Feeds <paramref name="arrivals"/> through the <see cref="PipeSimulator"/>.</summary>
    /// <exception cref="GatewayProtocolException">The bytes are malformed or end inside a record.</exception>
    public static FastCgiVectorResult Run(IEnumerable<ReadOnlyMemory<byte>> arrivals, ProtocolLimits limits)
    {
        using var driver = new FastCgiVectorDriver(limits);
        var leftover = PipeSimulator.Run(arrivals, driver.Step);
        if (leftover.Length > 0)
        {
            throw new GatewayProtocolException(ProtocolError.TruncatedRecord);
        }

        return driver._result;
    }

    /// <inheritdoc/>
    public void Dispose() => _decoder.Dispose();

    private bool Step(ref ReadOnlySequence<byte> buffer)
    {
        if (!_decoder.TryReadFrame(ref buffer, out var frame))
        {
            EnsureNoWholeRecord(buffer);
            return false;
        }

        switch (frame.Kind)
        {
            case FastCgiFrameKind.BeginRequest:
                var request = new FastCgiRequestResult { RequestId = frame.RequestId, Role = (int)frame.Role, KeepConnection = frame.KeepConnection };
                _result.Requests.Add(request);
                _open.Add(frame.RequestId, request);
                break;
            case FastCgiFrameKind.BeginRejected:
                _result.Rejected.Add((frame.RequestId, frame.ProtocolStatus));
                break;
            case FastCgiFrameKind.ParamsComplete:
                var variables = frame.Variables ?? throw new InvalidOperationException("ParamsComplete without variables.");
                _open[frame.RequestId].Variables = RawVariable.CopyAll(variables);
                _open[frame.RequestId].ContentLength = variables.ContentLength;
                break;
            case FastCgiFrameKind.StdinData:
                _open[frame.RequestId].Body.AddRange(frame.Data.ToArray()); // the slice dies with the buffer
                break;
            case FastCgiFrameKind.StdinComplete:
                _open[frame.RequestId].StdinComplete = true;
                _open.Remove(frame.RequestId);
                _decoder.Complete(frame.RequestId);
                break;
            case FastCgiFrameKind.AbortRequest:
                _result.Aborted.Add(frame.RequestId);
                break;
            case FastCgiFrameKind.GetValues:
                using (var query = new GatewayVariables())
                {
                    FastCgiNameValueReader.ReadAll(frame.Data.ToArray(), _limits, query);
                    _result.GetValues.AddRange(RawVariable.CopyAll(query));
                }

                break;
            case FastCgiFrameKind.UnknownManagementType:
                _result.UnknownTypes.Add(frame.RecordType);
                break;
            default:
                throw new InvalidOperationException($"Unexpected frame kind {frame.Kind}.");
        }

        return true;
    }

    private static void EnsureNoWholeRecord(in ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < FastCgiRecordHeader.Length)
        {
            return;
        }

        Span<byte> header = stackalloc byte[FastCgiRecordHeader.Length];
        buffer.Slice(0, FastCgiRecordHeader.Length).CopyTo(header);
        var recordLength = FastCgiRecordHeader.Length + BinaryPrimitives.ReadUInt16BigEndian(header[4..]) + header[6];
        if (buffer.Length >= recordLength)
        {
            throw new InvalidOperationException($"TryReadFrame returned false with a whole {recordLength}-byte record still unread.");
        }
    }
}
