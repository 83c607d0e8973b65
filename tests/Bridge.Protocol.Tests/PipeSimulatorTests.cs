using System.Buffers;
using Bridge.Testing;

namespace Bridge.Protocol.Tests;

public sealed class PipeSimulatorTests
{
    [Fact]
    public void Calls_the_reader_until_it_returns_false_and_keeps_what_it_left()
    {
        var seen = new List<string>();

        // Consumes two bytes at a time.
        var leftover = PipeSimulator.Run(SequenceSplitter.SplitAt("abcde"u8.ToArray(), [1, 3]), (ref ReadOnlySequence<byte> buffer) =>
        {
            seen.Add(System.Text.Encoding.ASCII.GetString(buffer.ToArray()));
            if (buffer.Length < 2)
            {
                return false;
            }

            buffer = buffer.Slice(2);
            return true;
        });

        Assert.Equal(["a", "abc", "c", "cde", "e"], seen);
        Assert.Equal("e"u8.ToArray(), leftover);
    }

    [Fact]
    public void Fails_a_reader_that_reports_progress_without_consuming()
        => Assert.Throws<InvalidOperationException>(() => PipeSimulator.Run([new byte[] { 1 }], (ref ReadOnlySequence<byte> _) => true));

    [Fact]
    public void Builds_sequences_with_the_requested_segments()
    {
        var bytes = "hello"u8.ToArray();

        Assert.True(SequenceSplitter.AsWhole(bytes).IsSingleSegment);
        Assert.Equal(5, Segments(SequenceSplitter.AsOneBytePerSegment(bytes)));
        Assert.Equal(2, Segments(SequenceSplitter.AsSplitAt(bytes, 0)));
        Assert.Equal(bytes, SequenceSplitter.AsSplitAt(bytes, 3).ToArray());
    }

    private static int Segments(ReadOnlySequence<byte> sequence)
    {
        var count = 0;
        foreach (var _ in sequence)
        {
            count++;
        }

        return count;
    }
}
