using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Bridge.Protocol;
using Bridge.Testing;

namespace Bridge.Protocol.Tests;

/// <summary>
/// Every file under protocol-spec/vectors, through the pipe simulator: whole, one byte per chunk, and split in two
/// at every offset. Valid vectors must decode to their .json; invalid ones must fail with its ProtocolError.
/// </summary>
public sealed class VectorTests
{
    // Vectors up to this size are split at every offset. Past it (only the 70,640-byte nginx capture
    // fastcgi/captures/nginx-1.22-fastcgi-post-70000.bin and the 65,539-byte uwsgi/valid/009-vars-block-65535)
    // every offset inside the first 4 KiB, within 2 of every record or field boundary, inside the last 64 bytes,
    // and every 97th offset elsewhere is used: every offset would cost seconds per vector for no new case.
    private const int EveryOffsetUpTo = 16 * 1024;
    private const int DenseHead = 4096;
    private const int Stride = 97;

    public static TheoryData<string> VectorNames => [.. VectorFiles.Names()];

    [Fact]
    public void Every_vector_file_is_a_test_case_and_has_an_expectation()
    {
        var inputs = Directory.EnumerateFiles(VectorFiles.Root, "*", SearchOption.AllDirectories)
            .Where(VectorFiles.IsInput)
            .ToList();
        var expectations = Directory.EnumerateFiles(VectorFiles.Root, "*.json", SearchOption.AllDirectories).ToList();

        Assert.NotEmpty(inputs);
        Assert.True(VectorNames.Count >= inputs.Count, $"{inputs.Count} vector files but only {VectorNames.Count} test cases.");
        Assert.All(inputs, input => Assert.True(File.Exists(Path.ChangeExtension(input, ".json")), $"{input} has no .json beside it."));
        Assert.All(expectations, json => Assert.True(
            File.Exists(Path.ChangeExtension(json, ".hex")) || File.Exists(Path.ChangeExtension(json, ".bin")),
            $"{json} has no .hex or .bin beside it."));
    }

    [Fact]
    public void Both_protocols_have_valid_invalid_and_captured_vectors()
    {
        var names = VectorFiles.Names();
        foreach (var protocol in VectorFiles.Protocols)
        {
            foreach (var kind in VectorFiles.Kinds)
            {
                Assert.Contains(names, name => name.StartsWith($"{protocol}/{kind}/", StringComparison.Ordinal));
            }
        }
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void The_vector_gives_its_expected_result_when_it_arrives_whole(string name)
    {
        var vector = VectorFiles.Load(name);
        AssertOutcome(vector, SequenceSplitter.Whole(vector.Bytes), "whole");
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void The_vector_gives_its_expected_result_when_it_arrives_one_byte_at_a_time(string name)
    {
        var vector = VectorFiles.Load(name);
        AssertOutcome(vector, SequenceSplitter.OneByteEach(vector.Bytes), "one byte per chunk");
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void The_vector_gives_its_expected_result_when_split_in_two_at_every_offset(string name)
    {
        var vector = VectorFiles.Load(name);
        foreach (var offset in SplitOffsets(vector))
        {
            AssertOutcome(vector, SequenceSplitter.SplitAt(vector.Bytes, offset), $"split at {offset}");
        }
    }

    [Fact]
    public void A_stream_that_closes_before_its_first_byte_is_a_clean_close_for_uwsgi_and_fastcgi()
    {
        Assert.Null(UwsgiVectorDriver.Run([], new ProtocolLimits()));
        Assert.Empty(FastCgiVectorDriver.Run([], new ProtocolLimits()).Requests);
    }

    private static void AssertOutcome(Vector vector, IReadOnlyList<ReadOnlyMemory<byte>> chunks, string shape)
    {
        var expectedError = vector.ExpectedError;
        JsonObject? actual;
        try
        {
            actual = Decode(vector, chunks);
        }
        catch (GatewayProtocolException e)
        {
            Assert.True(expectedError == e.Reason, $"{vector.Name} ({shape}): expected {Describe(vector)} but got {e.Reason}.");
            return;
        }

        Assert.True(expectedError is null, $"{vector.Name} ({shape}): expected {expectedError} but it decoded to {VectorJson.Show(actual)}");
        Assert.True(
            VectorJson.StructurallyEqual(vector.ExpectedResult, actual),
            $"{vector.Name} ({shape}): expected\n{VectorJson.Show(vector.ExpectedResult)}\nbut decoded\n{VectorJson.Show(actual)}");
    }

    private static string Describe(Vector vector) => vector.ExpectedError?.ToString() ?? "a valid decode";

    private static JsonObject? Decode(Vector vector, IReadOnlyList<ReadOnlyMemory<byte>> chunks) => vector.Protocol switch
    {
        "uwsgi" => UwsgiVectorDriver.Run(chunks, vector.Limits)?.ToJson(),
        "fastcgi" => FastCgiVectorDriver.Run(chunks, vector.Limits).ToJson(),
        _ => throw new InvalidDataException($"{vector.Name}: unknown protocol folder."),
    };

    private static SortedSet<int> SplitOffsets(Vector vector)
    {
        var length = vector.Bytes.Length;
        var offsets = new SortedSet<int>();
        if (length <= EveryOffsetUpTo)
        {
            offsets.UnionWith(Enumerable.Range(0, length + 1));
            return offsets;
        }

        offsets.UnionWith(Enumerable.Range(0, DenseHead + 1));
        offsets.UnionWith(Enumerable.Range(length - 64, 65));
        for (var offset = 0; offset <= length; offset += Stride)
        {
            offsets.Add(offset);
        }

        foreach (var boundary in Boundaries(vector))
        {
            for (var near = boundary - 2; near <= boundary + 2; near++)
            {
                if (near >= 0 && near <= length)
                {
                    offsets.Add(near);
                }
            }
        }

        return offsets;
    }

    // Record boundaries (FastCGI: header, content, padding ends) or field boundaries (uwsgi: header, each length
    // field, key and value, vars block end), found by walking the bytes by hand.
    private static IEnumerable<int> Boundaries(Vector vector)
    {
        var bytes = vector.Bytes;
        if (vector.Protocol == "fastcgi")
        {
            var position = 0;
            while (position + FastCgiRequestBuilder.HeaderLength <= bytes.Length)
            {
                var content = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(position + 4));
                var padding = bytes[position + 6];
                yield return position;
                yield return position + FastCgiRequestBuilder.HeaderLength;
                yield return position + FastCgiRequestBuilder.HeaderLength + content;
                position += FastCgiRequestBuilder.HeaderLength + content + padding;
            }

            yield return position;
            yield break;
        }

        var end = Math.Min(bytes.Length, 4 + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(1)));
        var i = 4;
        yield return i;
        while (i + 2 <= end)
        {
            i += 2 + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i));
            yield return i;
        }

        yield return end;
    }
}
