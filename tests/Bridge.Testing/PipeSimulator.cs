using System.Buffers;

namespace Bridge.Testing;

/// <summary>
/// Drives a reader the way a connection loop does over a <c>PipeReader</c>: bytes arrive chunk by chunk; after each
/// arrival the reader is called on (unconsumed bytes + the new chunk, as a multi-segment sequence) until it
/// returns false; what it leaves stays for the next arrival. At the end the bytes still unconsumed are returned,
/// so the caller decides, as the server loop does when <c>IsCompleted</c> is set, whether that is a truncation.
/// </summary>
/// <remarks>
/// Every arrival gets fresh arrays and the previous ones are overwritten afterwards, as a pipe reuses its
/// memory after <c>AdvanceTo</c>: a reader that kept a slice past the call reads garbage and the test fails.
/// </remarks>
public static class PipeSimulator
{
    // Past this many unconsumed segments they are merged into one, which bounds the cost of one-byte chunks.
    private const int MaxPendingSegments = 64;
    private const byte Poison = 0xCD;

    /// <summary>Feeds <paramref name="arrivals"/> to <paramref name="step"/>; returns the bytes left unconsumed at the end.</summary>
    /// <exception cref="InvalidOperationException">The reader returned true without consuming anything.</exception>
    public static byte[] Run(IEnumerable<ReadOnlyMemory<byte>> arrivals, ReadStep step)
    {
        ArgumentNullException.ThrowIfNull(arrivals);
        ArgumentNullException.ThrowIfNull(step);
        var pending = new List<ReadOnlyMemory<byte>>();
        foreach (var arrival in arrivals)
        {
            if (arrival.IsEmpty)
            {
                continue;
            }

            pending.Add(arrival.ToArray());
            if (pending.Count > MaxPendingSegments)
            {
                pending = [Concat(pending)];
            }

            var buffer = SequenceSplitter.ToSequence(pending);
            while (true)
            {
                var before = buffer;
                if (!step(ref buffer))
                {
                    break;
                }

                if (buffer.Length == before.Length)
                {
                    throw new InvalidOperationException("The reader reported progress but consumed nothing.");
                }
            }

            var rest = new List<ReadOnlyMemory<byte>>();
            foreach (var segment in buffer)
            {
                if (!segment.IsEmpty)
                {
                    rest.Add(segment.ToArray());
                }
            }

            PoisonAll(pending);
            pending = rest;
        }

        return Concat(pending).ToArray();
    }

    private static ReadOnlyMemory<byte> Concat(List<ReadOnlyMemory<byte>> segments)
    {
        var length = 0;
        foreach (var segment in segments)
        {
            length += segment.Length;
        }

        var merged = new byte[length];
        var position = 0;
        foreach (var segment in segments)
        {
            segment.Span.CopyTo(merged.AsSpan(position));
            position += segment.Length;
        }

        PoisonAll(segments);
        return merged;
    }

    private static void PoisonAll(List<ReadOnlyMemory<byte>> segments)
    {
        foreach (var segment in segments)
        {
            // The arrays are ours (copied on arrival), so writing over them is safe.
            if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray(segment, out var array))
            {
                array.AsSpan().Fill(Poison);
            }
        }
    }
}
