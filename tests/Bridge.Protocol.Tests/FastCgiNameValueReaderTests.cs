using Bridge.Protocol.FastCgi;
using Bridge.Protocol.Gateway;
using Bridge.Testing;

namespace Bridge.Protocol.Tests;

public sealed class FastCgiNameValueReaderTests
{
    private static readonly ProtocolLimits Defaults = new();

    [Theory]
    [InlineData("01 02 \"A\" \"BC\"")] // 1/1
    [InlineData("01 80000002 \"A\" \"BC\"")] // 1/4, 4-byte form for a short length
    [InlineData("80000001 02 \"A\" \"BC\"")] // 4/1
    [InlineData("80000001 80000002 \"A\" \"BC\"")] // 4/4
    public void Reads_every_combination_of_one_and_four_byte_lengths(string hex)
    {
        ReadOnlySpan<byte> rest = HexVector.Parse(hex);

        Assert.True(FastCgiNameValueReader.TryReadPair(ref rest, out var name, out var value));

        Assert.Equal("A"u8.ToArray(), name.ToArray());
        Assert.Equal("BC"u8.ToArray(), value.ToArray());
        Assert.True(rest.IsEmpty);
        Assert.False(FastCgiNameValueReader.TryReadPair(ref rest, out _, out _));
    }

    [Fact]
    public void Reads_a_length_of_128_and_over_from_the_four_byte_form_masking_the_top_bit()
    {
        var value = new byte[300];
        Array.Fill(value, (byte)'v');
        byte[] stream = [.. FastCgiRequestBuilder.EncodePairs([new RawVariable("N"u8.ToArray(), value)]), .. "tail"u8];
        ReadOnlySpan<byte> rest = stream;

        Assert.Equal(0x80, stream[1] & 0x80);
        Assert.True(FastCgiNameValueReader.TryReadPair(ref rest, out var name, out var read));

        Assert.Equal(300, read.Length);
        Assert.Equal("N"u8.ToArray(), name.ToArray());
        Assert.Equal("tail"u8.ToArray(), rest.ToArray());
    }

    // In the order fastcgi.md §5.2 gives: length fields first, then the zero name, then the overrun.
    [Theory]
    [InlineData("80", ProtocolError.ParamsOverrun)] // name length field cut after 1 of 4 bytes
    [InlineData("800000", ProtocolError.ParamsOverrun)] // ... after 3 of 4
    [InlineData("01", ProtocolError.ParamsOverrun)] // no value length
    [InlineData("01 8000", ProtocolError.ParamsOverrun)] // value length cut
    [InlineData("00", ProtocolError.ParamsOverrun)] // zero name, but the value length is missing first
    [InlineData("00 00", ProtocolError.ZeroLengthKey)]
    [InlineData("00 01 \"A\"", ProtocolError.ZeroLengthKey)]
    [InlineData("02 00 \"A\"", ProtocolError.ParamsOverrun)] // name past the end
    [InlineData("01 02 \"A\" \"B\"", ProtocolError.ParamsOverrun)] // value past the end
    [InlineData("ffffffff 00 \"A\"", ProtocolError.ParamsOverrun)] // 2^31-1: an overrun, not an allocation
    [InlineData("01 ffffffff \"A\"", ProtocolError.ParamsOverrun)]
    public void Rejects_a_malformed_pair(string hex, ProtocolError expected)
    {
        var stream = HexVector.Parse(hex);

        var error = Assert.Throws<GatewayProtocolException>(() =>
        {
            ReadOnlySpan<byte> rest = stream;
            FastCgiNameValueReader.TryReadPair(ref rest, out _, out _);
        });

        Assert.Equal(expected, error.Reason);
    }

    [Fact]
    public void Appends_every_pair_in_order_and_counts_them_against_max_variables()
    {
        var stream = FastCgiRequestBuilder.EncodePairs([RawVariable.Of("A", "1"), RawVariable.Of("B", ""), RawVariable.Of("A", "2")]);
        using var variables = new GatewayVariables();

        FastCgiNameValueReader.ReadAll(stream, Defaults with { MaxVariables = 3 }, variables);
        Assert.Equal(["A=1", "B=", "A=2"], RawVariable.CopyAll(variables).Select(v => v.ToString()));

        variables.Clear();
        var error = Assert.Throws<GatewayProtocolException>(() => FastCgiNameValueReader.ReadAll(stream, Defaults with { MaxVariables = 2 }, variables));
        Assert.Equal(ProtocolError.TooManyVariables, error.Reason);
    }

    [Fact]
    public void Reads_nothing_from_an_empty_stream()
    {
        using var variables = new GatewayVariables();

        FastCgiNameValueReader.ReadAll([], Defaults, variables);

        Assert.Equal(0, variables.Count);
    }
}
