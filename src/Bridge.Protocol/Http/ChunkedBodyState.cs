namespace Bridge.Protocol.Http;

/// <summary>Where a <see cref="ChunkedBodyReader"/> is in one chunked body; starts as <c>default</c>.</summary>
public struct ChunkedBodyState
{
    internal ChunkedPhase Phase;
    internal long ChunkRemaining;
    internal int TrailerLength;

    /// <summary>Decoded body bytes the caller has consumed so far (see <see cref="Consume"/>).</summary>
    public long DecodedLength { get; private set; }

    /// <summary>What the body will be at least: the bytes consumed plus the rest of the current chunk, whose size is known.</summary>
    public readonly long AnnouncedLength => DecodedLength + ChunkRemaining;

    /// <summary>The last chunk and the trailer section have been read: the body is complete.</summary>
    public readonly bool IsCompleted => Phase == ChunkedPhase.Completed;

    /// <summary>Records that the caller consumed <paramref name="count"/> bytes of the data the reader returned.</summary>
    public void Consume(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, ChunkRemaining);
        ChunkRemaining -= count;
        DecodedLength += count;
    }
}
