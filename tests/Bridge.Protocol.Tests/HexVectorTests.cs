using Bridge.Testing;

namespace Bridge.Protocol.Tests;

// The vector loader is test infrastructure, but a loader that misreads a vector would make every vector test lie.
public sealed class HexVectorTests
{
    [Theory]
    [InlineData("", new byte[0])]
    [InlineData("00 c001 FFff", new byte[] { 0x00, 0xC0, 0x01, 0xFF, 0xFF })]
    [InlineData("\"AB\" # comment \"C\"\n 0a", new byte[] { 0x41, 0x42, 0x0A })]
    [InlineData("\"say \\\"hi\\\"\"", new byte[] { 0x73, 0x61, 0x79, 0x20, 0x22, 0x68, 0x69, 0x22 })]
    [InlineData("\"\\\\\"", new byte[] { 0x5C })]
    [InlineData("00*5", new byte[] { 0, 0, 0, 0, 0 })]
    [InlineData("\"ab\"*2 01#x", new byte[] { 0x61, 0x62, 0x61, 0x62, 0x01 })]
    [InlineData("0100*0", new byte[0])]
    public void Parses_hex_strings_repeats_and_comments(string text, byte[] expected)
        => Assert.Equal(expected, HexVector.Parse(text));

    [Theory]
    [InlineData("0", 1)]
    [InlineData("00\n0x10", 2)]
    [InlineData("00\n\n\"abc", 3)]
    [InlineData("\"\\n\"", 1)]
    [InlineData("00*", 1)]
    [InlineData("00*x", 1)]
    [InlineData("00,01", 1)]
    [InlineData("\"a\"b", 1)]
    [InlineData("\"caf\u00e9\"", 1)]
    public void Rejects_bad_input_naming_the_line(string text, int line)
    {
        var error = Assert.Throws<FormatException>(() => HexVector.Parse(text));

        Assert.StartsWith($"line {line}:", error.Message, StringComparison.Ordinal);
    }
}
