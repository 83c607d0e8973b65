using System.Buffers;
using System.Text;
using Bridge.Protocol.Gateway;
using Bridge.Protocol.Http;
using Bridge.Testing;

namespace Bridge.Protocol.Tests;

public sealed class ChunkedBodyReaderTests
{
    public static TheoryData<string, string, string> Valid => new()
    {
        // framing as uWSGI's router forwards it, decoded body, bytes after the body
        { "6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n", "hello world", "" },
        { "0\r\n\r\n", "", "" },
        { "A\r\n0123456789\r\n0\r\n\r\nafter", "0123456789", "after" },
        { "00000001\r\nx\r\n000\r\n\r\n", "x", "" },
        { "1f\r\n" + new string('z', 31) + "\r\n0\r\n\r\n", new string('z', 31), "" },
        { "5;name=value;flag\r\nhello\r\n0;last\r\n\r\n", "hello", "" },
        { "5 ; ext=\"quoted ; value\"\r\nhello\r\n0\r\n\r\n", "hello", "" },
        { "5\r\nhello\r\n0\r\nExpires: never\r\nX-Checksum: abc\r\n\r\n", "hello", "" },
        { "3\r\n\r\n\n\r\n0\r\n\r\n", "\r\n\n", "" },
        { "5 \r\nhello\r\n0\t\r\n\r\n", "hello", "" }, // whitespace after the size, as nginx accepts
    };

    public static TheoryData<string> Invalid => new()
    {
        "x\r\nhello\r\n0\r\n\r\n",            // not hex
        "\r\nhello\r\n0\r\n\r\n",             // no size
        "-5\r\nhello\r\n0\r\n\r\n",           // a sign
        "0x5\r\nhello\r\n0\r\n\r\n",          // a prefix
        "5 x\r\nhello\r\n0\r\n\r\n",          // whitespace, then not an extension
        "5\nhello\r\n0\r\n\r\n",              // a bare LF
        "5\r\r\nhello\r\n0\r\n\r\n",          // a CR inside the line
        "5\r\nhello!\r\n0\r\n\r\n",           // data longer than its size
        "5\r\nhelloXY0\r\n\r\n",              // no CRLF after the data
        "5\r\nhello\r\n0\r\nX: 1\n\r\n",      // a trailer line with a bare LF
        "1000000000000000\r\n",               // 2^60: no body is that large
        "fffffffffffffffff\r\n",              // past 63 bits
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Decodes_the_body_whole_one_byte_at_a_time_and_split_at_every_offset(string framed, string body, string after)
    {
        var bytes = Encoding.Latin1.GetBytes(framed);
        foreach (var arrivals in EveryShape(bytes))
        {
            var (decoded, completed, rest) = ChunkedBodyDriver.Run(arrivals);

            Assert.True(completed);
            Assert.Equal(body, Encoding.Latin1.GetString(decoded));
            Assert.Equal(after, Encoding.Latin1.GetString(rest));
        }
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Rejects_bad_framing_whole_one_byte_at_a_time_and_split_at_every_offset(string framed)
    {
        var bytes = Encoding.Latin1.GetBytes(framed);
        foreach (var arrivals in EveryShape(bytes))
        {
            var error = Assert.Throws<GatewayProtocolException>(() => ChunkedBodyDriver.Run(arrivals));

            Assert.Equal(ProtocolError.InvalidChunkedBody, error.Reason);
        }
    }

    [Fact]
    public void Returns_data_in_place_and_stops_at_the_end_of_its_chunk()
    {
        var bytes = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"u8.ToArray();
        var buffer = new ReadOnlySequence<byte>(bytes);
        var state = default(ChunkedBodyState);

        Assert.True(ChunkedBodyReader.TryRead(ref buffer, ref state, out var data));

        Assert.Equal("hello"u8.ToArray(), data.ToArray());
        Assert.Equal(new ReadOnlySequence<byte>(bytes).GetPosition(3), data.Start);
        Assert.Equal(data.Start, buffer.Start);
        Assert.Equal(5, state.AnnouncedLength);
        Assert.Equal(0, state.DecodedLength);

        state.Consume(2);
        buffer = buffer.Slice(2);
        Assert.True(ChunkedBodyReader.TryRead(ref buffer, ref state, out data));
        Assert.Equal("llo"u8.ToArray(), data.ToArray());
        Assert.Equal(2, state.DecodedLength);
    }

    [Fact]
    public void Returns_false_keeping_an_incomplete_line_and_moving_past_complete_ones()
    {
        var buffer = new ReadOnlySequence<byte>("5\r\nhello\r\n1"u8.ToArray());
        var state = default(ChunkedBodyState);
        Assert.True(ChunkedBodyReader.TryRead(ref buffer, ref state, out var data));
        state.Consume(data.Length);
        buffer = buffer.Slice(data.Length);

        Assert.False(ChunkedBodyReader.TryRead(ref buffer, ref state, out data));

        Assert.True(data.IsEmpty);
        Assert.Equal("1"u8.ToArray(), buffer.ToArray());
        Assert.False(state.IsCompleted);
    }

    [Fact]
    public void Announces_a_chunk_size_before_its_data_arrives()
    {
        var buffer = new ReadOnlySequence<byte>("40000000\r\n"u8.ToArray());
        var state = default(ChunkedBodyState);

        Assert.False(ChunkedBodyReader.TryRead(ref buffer, ref state, out _));

        Assert.Equal(0x40000000, state.AnnouncedLength);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Accepts_a_size_line_at_the_limit_and_rejects_one_byte_more()
    {
        var atLimit = "5;" + new string('e', ChunkedBodyReader.MaxLineLength - 2) + "\r\nhello\r\n0\r\n\r\n";
        var overLimit = "5;" + new string('e', ChunkedBodyReader.MaxLineLength - 1) + "\r\nhello\r\n0\r\n\r\n";

        Assert.Equal("hello", Encoding.ASCII.GetString(ChunkedBodyDriver.Run([Encoding.ASCII.GetBytes(atLimit)]).Body));
        var error = Assert.Throws<GatewayProtocolException>(() => ChunkedBodyDriver.Run([Encoding.ASCII.GetBytes(overLimit)]));
        Assert.Equal(ProtocolError.InvalidChunkedBody, error.Reason);
    }

    [Fact]
    public void Rejects_a_line_without_an_end_once_it_is_longer_than_the_limit_without_waiting_for_more()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("5;" + new string('e', ChunkedBodyReader.MaxLineLength + 10)));
        var state = default(ChunkedBodyState);

        var error = Assert.Throws<GatewayProtocolException>(() => ChunkedBodyReader.TryRead(ref buffer, ref state, out _));

        Assert.Equal(ProtocolError.InvalidChunkedBody, error.Reason);
    }

    [Fact]
    public void Rejects_trailers_longer_than_the_limit()
    {
        var line = "X-T: " + new string('t', 1000) + "\r\n";
        var framed = "0\r\n" + string.Concat(Enumerable.Repeat(line, (ChunkedBodyReader.MaxTrailerLength / line.Length) + 1)) + "\r\n";

        var error = Assert.Throws<GatewayProtocolException>(() => ChunkedBodyDriver.Run([Encoding.ASCII.GetBytes(framed)]));

        Assert.Equal(ProtocolError.InvalidChunkedBody, error.Reason);
    }

    [Theory]
    [InlineData(null, "chunked", true)]
    [InlineData("", "chunked", true)]
    [InlineData(null, "Chunked", true)]
    [InlineData(null, "gzip, chunked", true)]
    [InlineData(null, "gzip,chunked ", true)]
    [InlineData("11", "chunked", false)] // nginx: de-chunked, CONTENT_LENGTH set, HTTP_TRANSFER_ENCODING left in place
    [InlineData("", null, false)]
    [InlineData(null, null, false)]
    public void A_body_is_chunked_when_there_is_no_content_length_and_the_final_coding_is_chunked(string? contentLength, string? transferEncoding, bool expected)
    {
        using var variables = Variables(contentLength, transferEncoding);

        Assert.Equal(expected, ChunkedBodyReader.IsChunked(variables));
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("chunked, gzip")]
    [InlineData("chunkedx")]
    public void A_transfer_coding_that_does_not_end_in_chunked_without_a_length_is_rejected(string transferEncoding)
    {
        using var variables = Variables(null, transferEncoding);

        var error = Assert.Throws<GatewayProtocolException>(() => ChunkedBodyReader.IsChunked(variables));

        Assert.Equal(ProtocolError.UnsupportedTransferEncoding, error.Reason);
    }

    private static GatewayVariables Variables(string? contentLength, string? transferEncoding)
    {
        var variables = new GatewayVariables();
        variables.Add("REQUEST_METHOD"u8, "POST"u8);
        if (contentLength is not null)
        {
            variables.Add("CONTENT_LENGTH"u8, Encoding.ASCII.GetBytes(contentLength));
        }

        if (transferEncoding is not null)
        {
            variables.Add("HTTP_TRANSFER_ENCODING"u8, Encoding.ASCII.GetBytes(transferEncoding));
        }

        return variables;
    }

    private static IEnumerable<IReadOnlyList<ReadOnlyMemory<byte>>> EveryShape(byte[] bytes)
    {
        yield return SequenceSplitter.Whole(bytes);
        yield return SequenceSplitter.OneByteEach(bytes);
        for (var offset = 0; offset <= bytes.Length; offset++)
        {
            yield return SequenceSplitter.SplitAt(bytes, offset);
        }
    }
}
