using System.Text;
using Bridge.Protocol.Http;

namespace Bridge.Protocol.Tests;

public sealed class ReasonPhrasesTests
{
    [Theory]
    [InlineData(200, "OK")]
    [InlineData(204, "No Content")]
    [InlineData(404, "Not Found")]
    [InlineData(413, "Content Too Large")]
    [InlineData(500, "Internal Server Error")]
    [InlineData(503, "Service Unavailable")]
    [InlineData(299, "Unknown")]
    [InlineData(999, "Unknown")]
    public void Gives_the_rfc_9110_phrase_or_unknown(int status, string phrase)
        => Assert.Equal(phrase, Encoding.ASCII.GetString(ReasonPhrases.Get(status)));

    [Theory]
    [InlineData("Content-Type", true)]
    [InlineData("x!#$%&'*+-.^_`|~9", true)]
    [InlineData("", false)]
    [InlineData("A B", false)]
    [InlineData("A:B", false)]
    [InlineData("A\u00e9", false)]
    public void Accepts_only_token_header_names(string name, bool valid)
        => Assert.Equal(valid, ResponseHeader.IsValidName(name));

    [Theory]
    [InlineData("", true)]
    [InlineData("a \t\u00ff", true)]
    [InlineData("a\rb", false)]
    [InlineData("a\nb", false)]
    [InlineData("a\0b", false)]
    [InlineData("\u0100", false)]
    public void Accepts_only_latin1_header_values_without_cr_lf_or_nul(string value, bool valid)
        => Assert.Equal(valid, ResponseHeader.IsValidValue(value));
}
