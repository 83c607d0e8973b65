using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Bridge.Protocol.FastCgi;
using Bridge.Protocol.Http;
using Bridge.Testing;
using FsCheck.Fluent;

namespace Bridge.Protocol.Tests;

public sealed class FastCgiRecordWriterTests
{
    [Fact]
    public void Writes_the_head_as_a_cgi_status_line_inside_one_stdout_record()
    {
        var output = new ArrayBufferWriter<byte>();

        var length = FastCgiRecordWriter.WriteHead(output, 1, 404, null, [new("Content-Type", "text/plain")]);

        var head = "Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\n"u8.ToArray();
        Assert.Equal(head.Length, length);
        Assert.Equal([0x01, 0x06, 0x00, 0x01, 0x00, (byte)head.Length, 0x00, 0x00, .. head], output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Splits_a_head_over_65535_bytes_into_stdout_records()
    {
        var output = new ArrayBufferWriter<byte>();
        var big = new string('v', 70000);

        var length = FastCgiRecordWriter.WriteHead(output, 7, 200, null, [new("X-Big", big)]);

        var records = ReadRecords(output.WrittenSpan);
        Assert.Equal([65535, length - 65535], records.Select(r => r.Content.Length));
        Assert.All(records, r => Assert.Equal((6, 7), (r.Type, r.RequestId)));
        Assert.Equal($"Status: 200 OK\r\nX-Big: {big}\r\n\r\n", Encoding.Latin1.GetString([.. records.SelectMany(r => r.Content)]));
    }

    [Theory]
    [InlineData(0, new int[0])]
    [InlineData(1, new[] { 1 })]
    [InlineData(65535, new[] { 65535 })]
    [InlineData(65536, new[] { 65535, 1 })]
    [InlineData(131070, new[] { 65535, 65535 })]
    [InlineData(131071, new[] { 65535, 65535, 1 })]
    public void Splits_stdout_exactly_at_65535_bytes(int dataLength, int[] recordLengths)
    {
        var output = new ArrayBufferWriter<byte>();
        var data = new byte[dataLength];
        new Random(dataLength).NextBytes(data);

        FastCgiRecordWriter.WriteStdout(output, 3, data);

        var records = ReadRecords(output.WrittenSpan);
        Assert.Equal(recordLengths, records.Select(r => r.Content.Length));
        Assert.Equal(data, records.SelectMany(r => r.Content));
    }

    [Fact]
    public void Writes_a_multi_segment_sequence_as_stdout_segment_by_segment()
    {
        var output = new ArrayBufferWriter<byte>();

        FastCgiRecordWriter.WriteStdout(output, 1, SequenceSplitter.AsSplitAt("hello"u8.ToArray(), 2));

        Assert.Equal([.. B(6, 1, "he"), .. B(6, 1, "llo")], output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Writes_stderr_and_the_empty_record_that_ends_a_stream()
    {
        var output = new ArrayBufferWriter<byte>();

        FastCgiRecordWriter.WriteStderr(output, 2, "oops"u8);
        FastCgiRecordWriter.WriteEndOfStream(output, FastCgiRecordType.Stdout, 2);

        Assert.Equal([.. B(7, 2, "oops"), 0x01, 0x06, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00], output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Writes_end_request_with_app_status_big_endian_protocol_status_and_reserved_zeros()
    {
        var output = new ArrayBufferWriter<byte>();

        FastCgiRecordWriter.WriteEndRequest(output, 0x0102, 0x0A0B0C0D, FastCgiProtocolStatus.Overloaded);

        Assert.Equal(HexVector.Parse("01 03 0102 0008 00 00  0a0b0c0d 02 000000"), output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Writes_unknown_type_naming_the_type_on_id_0()
    {
        var output = new ArrayBufferWriter<byte>();

        FastCgiRecordWriter.WriteUnknownType(output, 12);

        Assert.Equal(HexVector.Parse("01 0b 0000 0008 00 00  0c 00*7"), output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Answers_get_values_with_only_the_known_names_in_the_order_asked()
    {
        var output = new ArrayBufferWriter<byte>();
        var query = FastCgiRequestBuilder.EncodePairs([RawVariable.Of("FCGI_MPXS_CONNS", ""), RawVariable.Of("FCGI_UNKNOWN", ""), RawVariable.Of("FCGI_MAX_CONNS", ""), RawVariable.Of("FCGI_MAX_REQS", "")]);

        FastCgiRecordWriter.WriteGetValuesResult(output, new ReadOnlySequence<byte>(query), new FastCgiServerValues(10, 250, true));

        var content = HexVector.Parse("0f 01 \"FCGI_MPXS_CONNS\" \"1\"  0e 02 \"FCGI_MAX_CONNS\" \"10\"  0d 03 \"FCGI_MAX_REQS\" \"250\"");
        Assert.Equal([0x01, 0x0A, 0x00, 0x00, 0x00, (byte)content.Length, 0x00, 0x00, .. content], output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Answers_an_empty_get_values_with_an_empty_result()
    {
        var output = new ArrayBufferWriter<byte>();

        FastCgiRecordWriter.WriteGetValuesResult(output, ReadOnlySequence<byte>.Empty, new FastCgiServerValues(1, 1, false));

        Assert.Equal(HexVector.Parse("01 0a 0000 0000 00 00"), output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Rejects_a_malformed_get_values_query_with_a_protocol_error()
    {
        var output = new ArrayBufferWriter<byte>();

        var error = Assert.Throws<GatewayProtocolException>(() =>
            FastCgiRecordWriter.WriteGetValuesResult(output, new ReadOnlySequence<byte>(HexVector.Parse("0e 00 \"FCGI\"")), new FastCgiServerValues(1, 1, false)));

        Assert.Equal(ProtocolError.ParamsOverrun, error.Reason);
        Assert.Equal(0, output.WrittenCount);
    }

    [Theory]
    [MemberData(nameof(UwsgiResponseWriterTests.BadHeaders), MemberType = typeof(UwsgiResponseWriterTests))]
    public void Rejects_a_header_that_would_split_the_response_and_writes_nothing(string name, string value)
    {
        var output = new ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentException>(() => FastCgiRecordWriter.WriteHead(output, 1, 200, null, [new(name, value)]));

        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void Round_trips_random_stdout_data_in_records_of_at_most_65535_bytes()
    {
        var sizes = Gen.Frequency(
            (3, Gen.Choose(0, 2000)),
            (2, Gen.Elements(65534, 65535, 65536, 131069, 131070, 131071, 196605, 196606)),
            (1, Gen.Choose(2001, 200_000)));
        var cases =
            from size in sizes
            from seed in Gen.Choose(0, int.MaxValue)
            from id in Gen.Choose(0, 65535)
            select (Size: size, Seed: seed, Id: (ushort)id);

        Properties.Check(cases, c =>
        {
            var data = new byte[c.Size];
            new Random(c.Seed).NextBytes(data);
            var output = new ArrayBufferWriter<byte>();

            FastCgiRecordWriter.WriteStdout(output, c.Id, data);

            var records = ReadRecords(output.WrittenSpan);
            Assert.All(records, r => Assert.True(r.Content.Length is > 0 and <= 65535 && r.Type == 6 && r.RequestId == c.Id));
            Assert.Equal((c.Size + 65534) / 65535, records.Count);
            Assert.True(data.AsSpan().SequenceEqual([.. records.SelectMany(r => r.Content)]));

            // The library's own reader agrees.
            var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
            var reread = new List<byte>();
            while (FastCgiRecordReader.TryReadRecord(ref buffer, out var header, out var content))
            {
                Assert.Equal(FastCgiRecordType.Stdout, header.Type);
                reread.AddRange(content.ToArray());
            }

            Assert.True(buffer.IsEmpty);
            Assert.True(data.AsSpan().SequenceEqual([.. reread]));
        });
    }

    [Fact]
    public void Round_trips_random_heads_through_the_stdout_text_it_writes()
    {
        var cases =
            from status in Gen.Choose(100, 999)
            from reason in Gen.Frequency((1, Gen.Constant<string?>(null)), (2, Generators.FieldValue.Select(s => (string?)s)))
            from headers in Generators.Headers
            from id in Gen.Choose(1, 65535)
            select (Status: status, Reason: reason, Headers: headers, Id: (ushort)id);

        Properties.Check(cases, c =>
        {
            var output = new ArrayBufferWriter<byte>();

            var length = FastCgiRecordWriter.WriteHead(output, c.Id, c.Status, c.Reason, c.Headers);

            var record = Assert.Single(ReadRecords(output.WrittenSpan));
            Assert.Equal((6, c.Id, length), (record.Type, record.RequestId, record.Content.Length));
            var (firstLine, headers) = HeadParser.Parse(record.Content);
            var reason = c.Reason ?? Encoding.ASCII.GetString(ReasonPhrases.Get(c.Status));
            Assert.Equal($"Status: {c.Status} {reason}", firstLine);
            Assert.Equal(c.Headers, headers);
        });
    }

    // Records parsed by hand, independently of FastCgiRecordReader; the writer never pads.
    private static List<(byte Type, ushort RequestId, byte[] Content)> ReadRecords(ReadOnlySpan<byte> bytes)
    {
        var records = new List<(byte, ushort, byte[])>();
        while (!bytes.IsEmpty)
        {
            Assert.True(bytes.Length >= 8);
            Assert.Equal(1, bytes[0]);
            Assert.Equal(0, bytes[6]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]);
            records.Add((bytes[1], BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]), bytes.Slice(8, length).ToArray()));
            bytes = bytes[(8 + length)..];
        }

        return records;
    }

    private static byte[] B(byte type, ushort id, string content) => FastCgiRequestBuilder.Record(type, id, Encoding.ASCII.GetBytes(content));
}
