using System.Collections;

namespace Bridge.Cli.Tests;

/// <summary>dotnet-bridge run's options: an unknown name is refused with the nearest known one (the apps' rule too).</summary>
public sealed class RunOptionsParserTests
{
    private static readonly IDictionary NoEnvironment = new Hashtable();

    [Theory]
    [InlineData("--max-request", "--max-requests")]
    [InlineData("--wokers", "--workers")]
    [InlineData("--socket-grup", "--socket-group")]
    public void An_unknown_option_names_the_nearest_known_one(string option, string nearest)
    {
        var error = Assert.Throws<RunOptionsException>(() => RunOptionsParser.Parse([option, "4", "--", "dotnet", "App.dll"], NoEnvironment));

        Assert.StartsWith($"Unknown option {option} (did you mean {nearest}?)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_option_far_from_every_known_one_names_none()
    {
        var error = Assert.Throws<RunOptionsException>(() => RunOptionsParser.Parse(["--no-such-option", "1", "--", "dotnet", "App.dll"], NoEnvironment));

        Assert.Equal("Unknown option --no-such-option (dotnet-bridge --help lists the options).", error.Message);
    }
}
