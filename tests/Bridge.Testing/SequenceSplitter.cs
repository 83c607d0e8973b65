using System.Buffers;

namespace Bridge.Testing;

/// <summary>
/// Shapes bytes the way a pipe may hand them over: as chunk lists (what arrives in one read) and as
/// <see cref="ReadOnlySequence{T}"/> chains of segments.
/// </summary>
public static class SequenceSplitter
{
    /// <summary>All bytes as one chunk.</summary>
    public static IReadOnlyList<ReadOnlyMemory<byte>> Whole(ReadOnlyMemory<byte> bytes) => [bytes];

    /// <summary>One chunk per byte.</summary>
    public static IReadOnlyList<ReadOnlyMemory<byte>> OneByteEach(ReadOnlyMemory<byte> bytes)
    {
        var chunks = new ReadOnlyMemory<byte>[bytes.Length];
        for (var i = 0; i < chunks.Length; i++)
        {
            chunks[i] = bytes.Slice(i, 1);
        }

        return chunks;
    }

    /// <summary>Two chunks, the first <paramref name="offset"/> bytes long (either may be empty).</summary>
    public static IReadOnlyList<ReadOnlyMemory<byte>> SplitAt(ReadOnlyMemory<byte> bytes, int offset)
        => [bytes[..offset], bytes[offset..]];

    /// <summary>Chunks cut at the given offsets (sorted, duplicates allowed, each within 0..length).</summary>
    public static IReadOnlyList<ReadOnlyMemory<byte>> SplitAt(ReadOnlyMemory<byte> bytes, IEnumerable<int> offsets)
    {
        var chunks = new List<ReadOnlyMemory<byte>>();
        var start = 0;
        foreach (var offset in offsets.Order())
        {
            chunks.Add(bytes[start..offset]);
            start = offset;
        }

        chunks.Add(bytes[start..]);
        return chunks;
    }

    /// <summary>The chunks linked into one sequence; empty chunks become empty segments (a legal shape).</summary>
    public static ReadOnlySequence<byte> ToSequence(IReadOnlyList<ReadOnlyMemory<byte>> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        if (chunks.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new MemorySegment(chunks[0], 0);
        var last = first;
        for (var i = 1; i < chunks.Count; i++)
        {
            last = last.Append(chunks[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>The bytes as a single-segment sequence.</summary>
    public static ReadOnlySequence<byte> AsWhole(ReadOnlyMemory<byte> bytes) => new(bytes);

    /// <summary>The bytes with one segment per byte.</summary>
    public static ReadOnlySequence<byte> AsOneBytePerSegment(ReadOnlyMemory<byte> bytes)
        => bytes.IsEmpty ? ReadOnlySequence<byte>.Empty : ToSequence(OneByteEach(bytes));

    /// <summary>The bytes in two segments, the first <paramref name="offset"/> bytes long.</summary>
    public static ReadOnlySequence<byte> AsSplitAt(ReadOnlyMemory<byte> bytes, int offset) => ToSequence(SplitAt(bytes, offset));
}
