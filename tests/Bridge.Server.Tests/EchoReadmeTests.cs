using System.Text.RegularExpressions;
using Bridge.Server.Gateway;
using Bridge.Server.Tests.Infrastructure;
using Bridge.Testing;

namespace Bridge.Server.Tests;

/// <summary>
/// Echo's contract lives beside it (src/Samples/Bridge.Samples.Echo/README.md), the top-level README points at it,
/// and every route its table lists answers as listed (the WebSocket route without Upgrade: its 400; its tunnel is
/// tested in UpgradeTests and through nginx).
/// </summary>
public sealed partial class EchoReadmeTests
{
    private static readonly string Root = Path.GetFullPath(Path.Combine(VectorFiles.Root, "..", ".."));
    private static readonly string EchoReadme = Path.Combine(Root, "src", "Samples", "Bridge.Samples.Echo", "README.md");

    // Each route of the table, with a request that exercises it and the status Echo gives.
    private static readonly Dictionary<string, (TestRequest Request, int Status)> Examples = new(StringComparer.Ordinal)
    {
        ["any method `/echo`, `/echo/<anything>` (any query)"] = (new TestRequest("PUT", "/echo/x?y=1") { Body = "abc"u8.ToArray() }, 200),
        ["`GET /hello`"] = (TestRequest.Get("/hello"), 200),
        ["any method `/status/<code>` (200..599)"] = (new TestRequest("DELETE", "/status/418"), 418),
        ["`GET /bytes/<n>` (0..1000000000)"] = (TestRequest.Get("/bytes/1000"), 200),
        ["`GET /stream/<chunks>/<size>`"] = (TestRequest.Get("/stream/3/10"), 200),
        ["`GET /delay/<ms>`"] = (TestRequest.Get("/delay/1"), 200),
        ["`GET /headers?<k>=<v>&...`"] = (TestRequest.Get("/headers?a=b"), 200),
        ["`GET /throw`"] = (TestRequest.Get("/throw"), 500),
        ["`GET /vars`"] = (TestRequest.Get("/vars"), 200),
        ["`POST /upload`"] = (new TestRequest("POST", "/upload") { Body = new byte[100] }, 200),
        ["`GET /worker`"] = (TestRequest.Get("/worker"), 200),
        ["`GET /ws` (WebSocket, over uwsgi)"] = (TestRequest.Get("/ws"), 400), // no Upgrade header
    };

    [Fact]
    public void The_top_level_readme_points_at_the_echo_contract()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));

        Assert.Contains("src/Samples/Bridge.Samples.Echo/README.md", readme, StringComparison.Ordinal);
        Assert.True(File.Exists(EchoReadme));
    }

    [Fact]
    public void The_contract_lists_exactly_the_routes_tested_here()
    {
        Assert.Equal(Examples.Keys.Order(StringComparer.Ordinal), Routes().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_websocket_route_is_described_as_served()
    {
        var answer = Routes()["`GET /ws` (WebSocket, over uwsgi)"];
        Assert.DoesNotContain("coming", answer, StringComparison.Ordinal);
        Assert.Contains("upgrades (101)", answer, StringComparison.Ordinal);
        Assert.Contains("uwsgi_pass", answer, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GatewayProtocol.Uwsgi)]
    [InlineData(GatewayProtocol.FastCgi)]
    public async Task Every_listed_route_answers_as_listed(GatewayProtocol gateway)
    {
        await using var server = await TestServer.StartEchoAsync();
        foreach (var (route, (request, status)) in Examples)
        {
            var response = await server.SendAsync(gateway, request);
            Assert.True(response.StatusCode == status, $"{route}: {request.Method} {request.Uri} answered {response.StatusCode}, not {status}.");
        }

        Assert.Equal(404, (await server.GetAsync(gateway, "/no-such-route")).StatusCode);
    }

    // First cell of each row of the Routes table -> the row's answer cell.
    private static Dictionary<string, string> Routes()
    {
        var text = File.ReadAllText(EchoReadme);
        var table = text[text.IndexOf("| route | answer |", StringComparison.Ordinal)..];
        return TableRow().Matches(table)
            .Select(m => (Route: m.Groups["route"].Value.Trim(), Answer: m.Groups["answer"].Value))
            .Where(r => r.Route is not "route" and not "---")
            .ToDictionary(r => r.Route, r => r.Answer, StringComparer.Ordinal);
    }

    [GeneratedRegex(@"^\| (?<route>[^|]+) \| (?<answer>.+) \|$", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
