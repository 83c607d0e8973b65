using System.Text;
using Bridge.Protocol.Gateway;

namespace Bridge.Protocol.Tests;

public sealed class RequestPathTests
{
    [Theory]
    [InlineData("", "/")]
    [InlineData("/", "/")]
    [InlineData("/echo/a%20b/c", "/echo/a b/c")]
    [InlineData("/caf%C3%A9/%e2%9c%93", "/café/✓")]
    [InlineData("/a%2Fb/c%2fd", "/a%2Fb/c%2fd")] // an escaped slash is never a separator (Kestrel)
    [InlineData("/p%3Fq%23h%25", "/p?q#h%")]
    [InlineData("/100%", "/100%")]
    [InlineData("/bad%zz%4", "/bad%zz%4")]
    [InlineData("/a/./b/../c", "/a/c")]
    [InlineData("/a/b/..", "/a/")]
    [InlineData("/a/b/.", "/a/b/")]
    [InlineData("/../../etc/passwd", "/etc/passwd")]
    [InlineData("/a/%2E%2E/b", "/b")]
    [InlineData("/a/..%2Fb", "/a/..%2Fb")]
    [InlineData("//double//slash", "//double//slash")]
    public void Decodes_as_kestrel_does(string raw, string expected)
    {
        Assert.Equal(expected, RequestPath.Decode(Encoding.ASCII.GetBytes(raw)));
    }

    [Fact]
    public void A_path_whose_decoded_bytes_are_not_utf8_is_returned_undecoded_as_latin1()
    {
        Assert.Equal("/caf%E9/x", RequestPath.Decode("/caf%E9/x"u8));
        Assert.Equal("/raw\u00e9", RequestPath.Decode([.. "/raw"u8, 0xE9]));
    }

    [Fact]
    public void A_long_path_is_decoded_past_the_stack_buffer()
    {
        var raw = "/" + string.Concat(Enumerable.Repeat("a%20", 300));

        Assert.Equal("/" + string.Concat(Enumerable.Repeat("a ", 300)), RequestPath.Decode(Encoding.ASCII.GetBytes(raw)));
    }

    [Fact]
    public void A_variable_the_front_end_decoded_is_read_as_utf8_and_never_decoded_again()
    {
        Assert.Equal("/a%20b/café", RequestPath.FromDecoded(Encoding.UTF8.GetBytes("/a%20b/café")));
        Assert.Equal("/caf\u00e9", RequestPath.FromDecoded([.. "/caf"u8, 0xE9]));
        Assert.Equal("", RequestPath.FromDecoded([]));
    }
}
