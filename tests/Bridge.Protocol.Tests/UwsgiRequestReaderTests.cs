using System.Buffers;
using Bridge.Protocol.Gateway;
using Bridge.Protocol.Uwsgi;
using Bridge.Testing;
using FsCheck.Fluent;

namespace Bridge.Protocol.Tests;

public sealed class UwsgiRequestReaderTests
{
    private static readonly ProtocolLimits Defaults = new();

    private static byte[] MinimalGet => UwsgiRequestBuilder.Build([("REQUEST_METHOD", "GET"), ("CONTENT_LENGTH", "3")], "abc"u8);

    public static TheoryData<int> UnsupportedModifiers => [.. Enumerable.Range(0, 256).Where(m => m is not (0 or 5 or 6 or 7 or 8 or 9 or 14 or 15 or 30))];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Returns_false_and_consumes_nothing_when_the_header_is_incomplete(int length)
    {
        using var variables = new GatewayVariables();
        var buffer = new ReadOnlySequence<byte>(MinimalGet, 0, length);
        var original = buffer;

        Assert.False(UwsgiRequestReader.TryRead(ref buffer, Defaults, variables, out _));

        Assert.Equal(original.Start, buffer.Start);
        Assert.Equal(original.Length, buffer.Length);
    }

    [Fact]
    public void Returns_false_and_consumes_nothing_for_every_incomplete_prefix_of_the_packet_in_any_segment_shape()
    {
        var packet = MinimalGet;
        var packetLength = packet.Length - 3;
        using var variables = new GatewayVariables();
        variables.Add("SENTINEL"u8, "kept"u8);
        for (var length = 0; length < packetLength; length++)
        {
            var prefix = packet.AsMemory(0, length);
            foreach (var shape in Shapes(prefix))
            {
                var buffer = shape;
                Assert.False(UwsgiRequestReader.TryRead(ref buffer, Defaults, variables, out _));
                Assert.Equal(shape.Start, buffer.Start);
                Assert.Equal(shape.Length, buffer.Length);
                Assert.Equal(1, variables.Count); // not cleared before the whole block is there
            }
        }
    }

    [Fact]
    public void Reads_the_packet_and_leaves_the_buffer_at_the_first_body_byte()
    {
        var bytes = MinimalGet;
        foreach (var shape in Shapes(bytes))
        {
            using var variables = new GatewayVariables();
            var buffer = shape;

            Assert.True(UwsgiRequestReader.TryRead(ref buffer, Defaults, variables, out var header));

            Assert.Equal(new UwsgiPacketHeader(0, (ushort)(bytes.Length - 7), 0), header);
            Assert.Equal(shape.GetPosition(bytes.Length - 3), buffer.Start);
            Assert.Equal("abc"u8.ToArray(), buffer.ToArray());
            Assert.Equal(2, variables.Count);
            Assert.Equal("REQUEST_METHOD", variables.GetNameString(0));
            Assert.Equal("GET", variables.GetValueString(0));
            Assert.Equal(3, variables.ContentLength);
        }
    }

    [Fact]
    public void Rejects_a_datasize_over_the_limit_from_the_four_header_bytes_alone()
    {
        var header = UwsgiRequestBuilder.Header(0, 4097, 0);
        var buffer = new ReadOnlySequence<byte>(header);
        using var variables = new GatewayVariables();

        var error = Assert.Throws<GatewayProtocolException>(() =>
            UwsgiRequestReader.TryRead(ref buffer, Defaults with { MaxVarsBlockSize = 4096 }, variables, out _));

        Assert.Equal(ProtocolError.VarsBlockTooLarge, error.Reason);
        Assert.Equal(4, buffer.Length); // nothing consumed
    }

    [Fact]
    public void Accepts_a_datasize_equal_to_the_limit_and_waits_for_the_block()
    {
        var buffer = new ReadOnlySequence<byte>(UwsgiRequestBuilder.Header(0, 4096, 0));
        using var variables = new GatewayVariables();

        Assert.False(UwsgiRequestReader.TryRead(ref buffer, Defaults with { MaxVarsBlockSize = 4096 }, variables, out _));
        Assert.Equal(4, buffer.Length);
    }

    [Theory]
    [MemberData(nameof(UnsupportedModifiers))]
    public void Rejects_an_unsupported_modifier1_from_the_four_header_bytes_alone(int modifier1)
    {
        var buffer = SequenceSplitter.AsOneBytePerSegment(UwsgiRequestBuilder.Header((byte)modifier1, 100, 0));
        using var variables = new GatewayVariables();

        var error = Assert.Throws<GatewayProtocolException>(() => UwsgiRequestReader.TryRead(ref buffer, Defaults, variables, out _));

        Assert.Equal(ProtocolError.UnsupportedModifier, error.Reason);
        Assert.Equal(4, buffer.Length);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(5, 1)]
    [InlineData(6, 2)]
    [InlineData(7, 3)]
    [InlineData(8, 4)]
    [InlineData(9, 5)]
    [InlineData(14, 6)]
    [InlineData(15, 7)]
    [InlineData(30, 255)]
    public void Accepts_every_standard_layout_modifier1_and_passes_modifier2_through(byte modifier1, byte modifier2)
    {
        var bytes = UwsgiRequestBuilder.Build([RawVariable.Of("REQUEST_METHOD", "GET")], [], modifier1, modifier2);
        var buffer = new ReadOnlySequence<byte>(bytes);
        using var variables = new GatewayVariables();

        Assert.True(UwsgiRequestReader.TryRead(ref buffer, Defaults, variables, out var header));

        Assert.Equal(modifier1, header.Modifier1);
        Assert.Equal(modifier2, header.Modifier2);
        Assert.True(buffer.IsEmpty);
    }

    // Blocks after a 4-byte header; each malformed in one way (protocols.md §4, uwsgi table).
    [Theory]
    [InlineData("", ProtocolError.MissingRequestMethod)] // datasize 0
    [InlineData("0e00 \"REQUEST_METHOD\" 0000", ProtocolError.MissingRequestMethod)]
    [InlineData("0500 \"ABC\"", ProtocolError.VarsOverrun)] // key runs past the end
    [InlineData("0100 \"A\" 0500 \"BC\"", ProtocolError.VarsOverrun)] // value runs past the end
    [InlineData("0100 \"A\" 0000 01", ProtocolError.VarsOverrun)] // one stray byte of a key length
    [InlineData("0100 \"A\" 01", ProtocolError.VarsOverrun)] // one stray byte of a value length
    [InlineData("0100 \"A\"", ProtocolError.VarsOverrun)] // no value length at all
    [InlineData("0000 0100 \"A\"", ProtocolError.ZeroLengthKey)]
    [InlineData("0e00 \"REQUEST_METHOD\" 0300 \"GET\" 0e00 \"CONTENT_LENGTH\" 0300 \"1e3\"", ProtocolError.InvalidContentLength)]
    public void Rejects_a_malformed_vars_block_and_consumes_nothing(string blockHex, ProtocolError expected)
    {
        var block = HexVector.Parse(blockHex);
        byte[] bytes = [.. UwsgiRequestBuilder.Header(0, (ushort)block.Length, 0), .. block, .. "body"u8];
        foreach (var shape in Shapes(bytes))
        {
            var buffer = shape;
            using var variables = new GatewayVariables();

            var error = Assert.Throws<GatewayProtocolException>(() => UwsgiRequestReader.TryRead(ref buffer, Defaults, variables, out _));

            Assert.Equal(expected, error.Reason);
            Assert.Equal(shape.Start, buffer.Start);
            Assert.Equal(bytes.Length, buffer.Length);
        }
    }

    [Fact]
    public void Accepts_exactly_max_variables_and_rejects_one_more()
    {
        var limits = Defaults with { MaxVariables = 3 };
        var atLimit = UwsgiRequestBuilder.Build([("REQUEST_METHOD", "GET"), ("A", ""), ("B", "")]);
        var overLimit = UwsgiRequestBuilder.Build([("REQUEST_METHOD", "GET"), ("A", ""), ("B", ""), ("C", "")]);
        using var variables = new GatewayVariables();

        var buffer = new ReadOnlySequence<byte>(atLimit);
        Assert.True(UwsgiRequestReader.TryRead(ref buffer, limits, variables, out _));
        Assert.Equal(3, variables.Count);

        buffer = new ReadOnlySequence<byte>(overLimit);
        var error = Assert.Throws<GatewayProtocolException>(() => UwsgiRequestReader.TryRead(ref buffer, limits, variables, out _));
        Assert.Equal(ProtocolError.TooManyVariables, error.Reason);
    }

    [Fact]
    public void Keeps_empty_values_duplicate_keys_and_their_order()
    {
        var bytes = UwsgiRequestBuilder.Build([("HTTP_COOKIE", "a=1"), ("REQUEST_METHOD", "GET"), ("QUERY_STRING", ""), ("HTTP_COOKIE", "b=2")]);
        var buffer = new ReadOnlySequence<byte>(bytes);
        using var variables = new GatewayVariables();

        Assert.True(UwsgiRequestReader.TryRead(ref buffer, Defaults, variables, out _));

        Assert.Equal(["HTTP_COOKIE=a=1", "REQUEST_METHOD=GET", "QUERY_STRING=", "HTTP_COOKIE=b=2"], RawVariable.CopyAll(variables).Select(v => v.ToString()));
    }

    [Fact]
    public void Clears_the_variables_of_the_previous_request_before_filling_them()
    {
        using var variables = new GatewayVariables();
        var first = new ReadOnlySequence<byte>(UwsgiRequestBuilder.Build([("REQUEST_METHOD", "POST"), ("CONTENT_LENGTH", "9"), ("X", "1")]));
        var second = new ReadOnlySequence<byte>(UwsgiRequestBuilder.Build([("REQUEST_METHOD", "GET")]));

        Assert.True(UwsgiRequestReader.TryRead(ref first, Defaults, variables, out _));
        Assert.True(UwsgiRequestReader.TryRead(ref second, Defaults, variables, out _));

        Assert.Equal(1, variables.Count);
        Assert.Equal("GET", variables.RequestMethod);
        Assert.Null(variables.ContentLength);
    }

    [Fact]
    public void Round_trips_random_variables_and_body_under_a_random_split()
    {
        var cases =
            from request in Generators.Request(maxVariables: 30, longValueMax: 600, maxBody: 3000)
            let bytes = UwsgiRequestBuilder.Build(request.Variables, request.Body)
            from cuts in Generators.Cuts(bytes.Length)
            select (request.Variables, request.Body, Bytes: bytes, Cuts: cuts);

        Properties.Check(cases, c =>
        {
            var result = UwsgiVectorDriver.Run(SequenceSplitter.SplitAt(c.Bytes, c.Cuts), Defaults);

            Assert.NotNull(result);
            Assert.True(RawVariable.SequenceEqual(c.Variables, result.Variables), "The variables differ.");
            Assert.Equal(c.Body, result.Body);
            Assert.Equal(c.Body.Length, result.ContentLength);
            Assert.Equal(0, result.TrailingBytes);
        });
    }

    private static IEnumerable<ReadOnlySequence<byte>> Shapes(ReadOnlyMemory<byte> bytes)
    {
        yield return SequenceSplitter.AsWhole(bytes);
        yield return SequenceSplitter.AsOneBytePerSegment(bytes);
        for (var offset = 0; offset <= bytes.Length; offset++)
        {
            yield return SequenceSplitter.AsSplitAt(bytes, offset);
        }
    }
}
