using System.Buffers;
using Bridge.Protocol;
using Bridge.Protocol.Gateway;
using Bridge.Protocol.Http;
using Bridge.Protocol.Uwsgi;

namespace Bridge.Testing;

/// <summary>
/// Reads one uwsgi connection as the server does: the packet with <see cref="UwsgiRequestReader.TryRead"/>, then
/// CONTENT_LENGTH body bytes from what follows, or the de-chunked body when <see cref="ChunkedBodyReader.IsChunked"/>
/// says so; anything after the body is counted as trailing bytes. End of input
/// before a whole packet is <see cref="ProtocolError.TruncatedPacket"/>, decided here as the server loop decides it.
/// </summary>
public sealed class UwsgiVectorDriver : IDisposable
{
    private readonly ProtocolLimits _limits;
    private readonly GatewayVariables _variables = new();
    private readonly List<byte> _body = [];
    private Phase _phase;
    private UwsgiPacketHeader _header;
    private List<RawVariable> _copied = [];
    private ChunkedBodyDriver? _chunked;
    private long _trailing;

    private UwsgiVectorDriver(ProtocolLimits limits) => _limits = limits;

    private enum Phase
    {
        Packet,
        Body,
        Trailing,
    }

    /// <summary>Feeds <paramref name="arrivals"/> through the <see cref="PipeSimulator"/>.</summary>
    /// <returns>The result, or null for a connection closed before its first byte.</returns>
    /// <exception cref="GatewayProtocolException">The bytes are malformed or end inside the packet.</exception>
    public static UwsgiVectorResult? Run(IEnumerable<ReadOnlyMemory<byte>> arrivals, ProtocolLimits limits)
    {
        using var driver = new UwsgiVectorDriver(limits);
        var leftover = PipeSimulator.Run(arrivals, driver.Step);
        if (driver._phase == Phase.Packet)
        {
            return leftover.Length == 0 ? null : throw new GatewayProtocolException(ProtocolError.TruncatedPacket);
        }

        return new UwsgiVectorResult
        {
            Modifier1 = driver._header.Modifier1,
            Modifier2 = driver._header.Modifier2,
            Variables = driver._copied,
            ContentLength = driver._variables.ContentLength,
            Body = driver._chunked is { } chunked ? [.. chunked.Body] : [.. driver._body],
            TrailingBytes = driver._trailing,
        };
    }

    /// <inheritdoc/>
    public void Dispose() => _variables.Dispose();

    private bool Step(ref ReadOnlySequence<byte> buffer)
    {
        switch (_phase)
        {
            case Phase.Packet:
                var before = buffer;
                if (!UwsgiRequestReader.TryRead(ref buffer, _limits, _variables, out _header))
                {
                    if (!before.Start.Equals(buffer.Start) || before.Length != buffer.Length)
                    {
                        throw new InvalidOperationException("UwsgiRequestReader.TryRead returned false but moved the buffer.");
                    }

                    return false;
                }

                _copied = RawVariable.CopyAll(_variables);
                _chunked = ChunkedBodyReader.IsChunked(_variables) ? new ChunkedBodyDriver() : null;
                _phase = Phase.Body;
                return true;
            case Phase.Body when _chunked is not null:
                if (_chunked.Step(ref buffer))
                {
                    return true;
                }

                if (!_chunked.IsCompleted)
                {
                    return false;
                }

                _phase = Phase.Trailing;
                return Step(ref buffer);
            case Phase.Body:
                var remaining = (_variables.ContentLength ?? 0) - _body.Count;
                if (remaining > 0)
                {
                    var take = Math.Min(remaining, buffer.Length);
                    if (take == 0)
                    {
                        return false;
                    }

                    _body.AddRange(buffer.Slice(0, take).ToArray());
                    buffer = buffer.Slice(take);
                    return true;
                }

                _phase = Phase.Trailing;
                return Step(ref buffer);
            default:
                if (buffer.IsEmpty)
                {
                    return false;
                }

                _trailing += buffer.Length;
                buffer = buffer.Slice(buffer.End);
                return true;
        }
    }
}
