using System.Buffers;
using Bridge.Protocol.Http;

namespace Bridge.Testing;

/// <summary>
/// De-chunks a body as the server does, step by step with <see cref="ChunkedBodyReader.TryRead"/>: returned data is
/// copied out and consumed, framing is left to the reader. Used on its own and by <see cref="UwsgiVectorDriver"/>.
/// </summary>
public sealed class ChunkedBodyDriver
{
    private ChunkedBodyState _state;

    /// <summary>The decoded bytes so far.</summary>
    public List<byte> Body { get; } = [];

    public bool IsCompleted => _state.IsCompleted;

    /// <summary>Runs <paramref name="arrivals"/> through the <see cref="PipeSimulator"/>; returns the bytes after the body.</summary>
    public static (byte[] Body, bool Completed, byte[] After) Run(IEnumerable<ReadOnlyMemory<byte>> arrivals)
    {
        var driver = new ChunkedBodyDriver();
        var rest = PipeSimulator.Run(arrivals, driver.Step);
        return ([.. driver.Body], driver.IsCompleted, rest);
    }

    /// <summary>One <see cref="ReadStep"/>: false once the body is complete or more bytes are needed.</summary>
    public bool Step(ref ReadOnlySequence<byte> buffer)
    {
        if (_state.IsCompleted || !ChunkedBodyReader.TryRead(ref buffer, ref _state, out var data))
        {
            return false;
        }

        if (!data.IsEmpty)
        {
            if (!data.Start.Equals(buffer.Start))
            {
                throw new InvalidOperationException("ChunkedBodyReader.TryRead returned data that does not start the buffer.");
            }

            Body.AddRange(data.ToArray());
            _state.Consume(data.Length);
            buffer = buffer.Slice(data.Length);
        }

        return true;
    }
}
