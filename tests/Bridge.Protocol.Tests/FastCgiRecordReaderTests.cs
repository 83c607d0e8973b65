using System.Buffers;
using Bridge.Protocol.FastCgi;
using Bridge.Testing;

namespace Bridge.Protocol.Tests;

public sealed class FastCgiRecordReaderTests
{
    [Theory]
    [InlineData(0x00)]
    [InlineData(0x02)]
    [InlineData(0x47)] // 'G': an HTTP request on a FastCGI socket
    [InlineData(0xFF)]
    public void Rejects_a_bad_version_from_the_first_byte_alone(byte version)
    {
        var buffer = new ReadOnlySequence<byte>([version]);

        var error = Assert.Throws<GatewayProtocolException>(() => FastCgiRecordReader.TryReadRecord(ref buffer, out _, out _));

        Assert.Equal(ProtocolError.BadFastCgiVersion, error.Reason);
        Assert.Equal(1, buffer.Length);
    }

    [Fact]
    public void Returns_false_and_consumes_nothing_until_header_content_and_padding_are_all_there()
    {
        var record = FastCgiRequestBuilder.Record(FastCgiRequestBuilder.StdinType, 1, "hello"u8, padding: 3);
        for (var length = 0; length < record.Length; length++)
        {
            foreach (var shape in Shapes(record.AsMemory(0, length)))
            {
                var buffer = shape;
                Assert.False(FastCgiRecordReader.TryReadRecord(ref buffer, out _, out _));
                Assert.Equal(shape.Start, buffer.Start);
                Assert.Equal(shape.Length, buffer.Length);
            }
        }
    }

    [Fact]
    public void Reads_the_header_fields_big_endian_and_slices_the_content_and_skips_the_padding()
    {
        byte[] bytes = [.. FastCgiRequestBuilder.Record(FastCgiRequestBuilder.StdinType, 0x1234, "hello"u8, padding: 255), .. "next"u8];
        foreach (var shape in Shapes(bytes))
        {
            var buffer = shape;

            Assert.True(FastCgiRecordReader.TryReadRecord(ref buffer, out var header, out var content));

            Assert.Equal(new FastCgiRecordHeader(FastCgiRecordType.Stdin, 0x1234, 5, 255), header);
            Assert.Equal(8 + 5 + 255, header.RecordLength);
            Assert.Equal("hello"u8.ToArray(), content.ToArray());
            Assert.Equal(shape.GetPosition(8), content.Start);
            Assert.Equal(shape.GetPosition(8 + 5 + 255), buffer.Start);
            Assert.Equal("next"u8.ToArray(), buffer.ToArray());
        }
    }

    [Fact]
    public void Reads_a_header_without_consuming_it()
    {
        var bytes = FastCgiRequestBuilder.Header(200, 0, 65535, 7);
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.True(FastCgiRecordReader.TryReadHeader(buffer, out var header));

        Assert.Equal(new FastCgiRecordHeader((FastCgiRecordType)200, 0, 65535, 7), header);
        Assert.Equal(8, buffer.Length);
    }

    [Fact]
    public void Reads_an_empty_record_with_padding()
    {
        var buffer = new ReadOnlySequence<byte>(FastCgiRequestBuilder.Record(FastCgiRequestBuilder.ParamsType, 1, [], padding: 7));

        Assert.True(FastCgiRecordReader.TryReadRecord(ref buffer, out var header, out var content));

        Assert.Equal(0, header.ContentLength);
        Assert.True(content.IsEmpty);
        Assert.True(buffer.IsEmpty);
    }

    internal static IEnumerable<ReadOnlySequence<byte>> Shapes(ReadOnlyMemory<byte> bytes)
    {
        yield return SequenceSplitter.AsWhole(bytes);
        yield return SequenceSplitter.AsOneBytePerSegment(bytes);
        for (var offset = 0; offset <= bytes.Length; offset++)
        {
            yield return SequenceSplitter.AsSplitAt(bytes, offset);
        }
    }
}
