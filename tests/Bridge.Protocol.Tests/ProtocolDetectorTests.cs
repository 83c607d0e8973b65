using System.Buffers;
using Bridge.Testing;

namespace Bridge.Protocol.Tests;

public sealed class ProtocolDetectorTests
{
    [Theory]
    [InlineData("00 3500 00 0c00", DetectedProtocol.Uwsgi)]
    [InlineData("1e 5701 07", DetectedProtocol.Uwsgi)] // modifier1 30
    [InlineData("0f", DetectedProtocol.Uwsgi)] // modifier1 15, from one byte
    [InlineData("01 01 0001 0008 00 00", DetectedProtocol.FastCgi)]
    [InlineData("01 09", DetectedProtocol.FastCgi)] // GET_VALUES first
    [InlineData("01 0b", DetectedProtocol.FastCgi)]
    [InlineData("01 00", DetectedProtocol.FastCgi)] // the record type is the reader's to judge
    [InlineData("01 0c", DetectedProtocol.FastCgi)]
    [InlineData("\"GET / HTTP/1.1\"", DetectedProtocol.Http)]
    [InlineData("\"POST /\"", DetectedProtocol.Http)]
    [InlineData("\"OPTIONS * HTTP/1.1\"", DetectedProtocol.Http)]
    [InlineData("\"PRI * HTTP/2.0\" 0d0a", DetectedProtocol.Http)]
    [InlineData("16 03 01 0200 01", DetectedProtocol.Tls)] // ClientHello record
    [InlineData("16 02", DetectedProtocol.Unknown)]
    [InlineData("\"get / HTTP/1.1\"", DetectedProtocol.Unknown)] // methods are upper-case
    [InlineData("\"GO / HTTP/1.1\"", DetectedProtocol.Unknown)] // too short for a method
    [InlineData("\"GETTINGS /\"", DetectedProtocol.Unknown)] // too long for a method
    [InlineData("ff ff ff ff", DetectedProtocol.Unknown)]
    [InlineData("11 0000 00", DetectedProtocol.Unknown)] // modifier1 17, the spooler
    [InlineData("64 0000 00", DetectedProtocol.Unknown)] // modifier1 100, ping
    [InlineData("", DetectedProtocol.NeedMoreData)]
    [InlineData("\"GE\"", DetectedProtocol.NeedMoreData)]
    [InlineData("\"OPTIONS\"", DetectedProtocol.NeedMoreData)]
    [InlineData("01", DetectedProtocol.FastCgi)]
    [InlineData("16", DetectedProtocol.NeedMoreData)]
    public void Tells_the_protocol_from_the_first_bytes_in_any_segment_shape(string hex, DetectedProtocol expected)
    {
        var bytes = HexVector.Parse(hex);
        foreach (var shape in FastCgiRecordReaderTests.Shapes(bytes))
        {
            Assert.Equal(expected, ProtocolDetector.Detect(shape));
        }
    }

    [Fact]
    public void Consumes_nothing()
    {
        var buffer = new ReadOnlySequence<byte>("GET / HTTP/1.1\r\n"u8.ToArray());
        var before = buffer;

        ProtocolDetector.Detect(buffer);

        Assert.Equal(before.Start, buffer.Start);
        Assert.Equal(before.Length, buffer.Length);
    }

    [Fact]
    public void Detects_every_valid_vector_as_its_own_protocol()
    {
        foreach (var vector in VectorFiles.LoadAll().Where(v => v.Kind != "invalid"))
        {
            var expected = vector.Protocol == "uwsgi" ? DetectedProtocol.Uwsgi : DetectedProtocol.FastCgi;
            Assert.True(expected == ProtocolDetector.Detect(new ReadOnlySequence<byte>(vector.Bytes)), vector.Name);
        }
    }
}
