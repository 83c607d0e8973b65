using System.Buffers;
using System.Text;
using Bridge.Protocol.Http;
using Bridge.Protocol.Uwsgi;
using FsCheck.Fluent;

namespace Bridge.Protocol.Tests;

public sealed class UwsgiResponseWriterTests
{
    [Fact]
    public void Writes_a_status_line_with_the_standard_reason_then_the_headers_in_order_and_a_blank_line()
    {
        var output = new ArrayBufferWriter<byte>();

        var length = UwsgiResponseWriter.WriteHead(output, 404, null, [new("Content-Type", "text/plain"), new("Set-Cookie", "a=1"), new("Set-Cookie", "b=2")]);

        var expected = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n"u8.ToArray();
        Assert.Equal(expected, output.WrittenSpan.ToArray());
        Assert.Equal(expected.Length, length);
    }

    [Fact]
    public void Writes_a_custom_reason_phrase_and_unknown_for_an_unregistered_code()
    {
        var output = new ArrayBufferWriter<byte>();

        UwsgiResponseWriter.WriteHead(output, 200, "Fine \u00e9", []);
        UwsgiResponseWriter.WriteHead(output, 799, null, []);

        Assert.Equal([.. "HTTP/1.1 200 Fine "u8, 0xE9, .. "\r\n\r\nHTTP/1.1 799 Unknown\r\n\r\n"u8], output.WrittenSpan.ToArray());
    }

    public static TheoryData<string, string> BadHeaders => new()
    {
        { "X-A", "a\rb" },
        { "X-A", "a\nb" },
        { "X-A", "a\0b" },
        { "X-A", "\u0100" },
        { "X-A", "\u20ac" },
        { "", "v" },
        { "X A", "v" },
        { "X:A", "v" },
        { "X\u00e9", "v" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void Rejects_a_header_that_would_split_the_response_and_writes_nothing(string name, string value)
    {
        var output = new ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentException>(() => UwsgiResponseWriter.WriteHead(output, 200, null, [new("X-Ok", "1"), new(name, value)]));

        Assert.Equal(0, output.WrittenCount);
    }

    [Theory]
    [InlineData("OK\r\nX-Injected: 1")]
    [InlineData("O\0K")]
    [InlineData("\u0100")]
    public void Rejects_a_reason_phrase_that_would_split_the_response_and_writes_nothing(string reason)
    {
        var output = new ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentException>(() => UwsgiResponseWriter.WriteHead(output, 200, reason, []));

        Assert.Equal(0, output.WrittenCount);
    }

    [Theory]
    [InlineData(99)]
    [InlineData(1000)]
    [InlineData(-1)]
    public void Rejects_a_status_code_outside_100_to_999(int status)
        => Assert.Throws<ArgumentOutOfRangeException>(() => UwsgiResponseWriter.WriteHead(new ArrayBufferWriter<byte>(), status, null, []));

    [Fact]
    public void Round_trips_random_heads_through_the_text_it_writes()
    {
        var cases =
            from status in Gen.Choose(100, 999)
            from reason in Gen.Frequency((1, Gen.Constant<string?>(null)), (2, Generators.FieldValue.Select(s => (string?)s)))
            from headers in Generators.Headers
            select (Status: status, Reason: reason, Headers: headers);

        Properties.Check(cases, c =>
        {
            var output = new ArrayBufferWriter<byte>();

            var length = UwsgiResponseWriter.WriteHead(output, c.Status, c.Reason, c.Headers);

            Assert.Equal(output.WrittenCount, length);
            var (firstLine, headers) = HeadParser.Parse(output.WrittenSpan);
            var reason = c.Reason ?? Encoding.ASCII.GetString(ReasonPhrases.Get(c.Status));
            Assert.Equal($"HTTP/1.1 {c.Status} {reason}", firstLine);
            Assert.Equal(c.Headers, headers);
        });
    }
}
