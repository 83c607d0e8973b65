using System.Buffers;

namespace Bridge.Testing;

/// <summary>One link of a hand-built <see cref="ReadOnlySequence{T}"/>.</summary>
internal sealed class MemorySegment : ReadOnlySequenceSegment<byte>
{
    public MemorySegment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public MemorySegment Append(ReadOnlyMemory<byte> memory)
    {
        var next = new MemorySegment(memory, RunningIndex + Memory.Length);
        Next = next;
        return next;
    }
}
