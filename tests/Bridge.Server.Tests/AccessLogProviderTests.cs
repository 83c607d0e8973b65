using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Bridge.Hosting;
using Bridge.Server.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bridge.Server.Tests;

/// <summary>
/// The access log's default sink: one line per request, none lost or torn however many threads log at once, and
/// still an ordinary logging category that configuration routes and filters.
/// </summary>
public sealed class AccessLogProviderTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("bal-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Lines_from_many_threads_at_once_are_all_written_whole_and_none_is_lost()
    {
        const int Threads = 8;
        const int PerThread = 20_000;
        var output = new MemoryStream();
        var provider = new AccessLogProvider(output, "[worker 1 pid 7] ");
        var logger = provider.CreateLogger(AccessLogProvider.Category);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                var entry = new AccessLogEntry("GET", $"/echo?t={t}&i={i}&pad={new string('x', i % 300)}", 200, i, 0.5, "uwsgi");
                logger.Log(LogLevel.Information, AccessLogEntry.EventId, entry, null, AccessLogEntry.Formatter);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        provider.Dispose(); // drains what is queued

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Threads * PerThread, lines.Length);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            Assert.StartsWith("[worker 1 pid 7] ", line, StringComparison.Ordinal);
            var parsed = AccessLine.FromConsoleLog(line);
            Assert.True(parsed.Count == 1, $"Not an access line: {line}");
            var query = parsed[0].Target.Split('&');
            Assert.Equal(parsed[0].Bytes.ToString(CultureInfo.InvariantCulture), query[1]["i=".Length..]);
            Assert.True(seen.Add(query[0] + "&" + query[1]), $"Twice: {line}");
        }
    }

    [Fact]
    public async Task Behind_add_bridge_the_lines_go_to_the_sink_and_configuration_can_turn_it_off()
    {
        var defaults = await ServeOneAsync([]);
        Assert.Single(AccessLine.FromConsoleLog(defaults.Sink));
        Assert.Single(defaults.Captured); // an ordinary category: any provider the app adds gets it too

        var sinkOff = await ServeOneAsync(new() { ["Logging:BridgeAccessLog:LogLevel:Default"] = "None" });
        Assert.Empty(sinkOff.Sink);
        Assert.Single(sinkOff.Captured);

        var off = await ServeOneAsync(new() { ["Logging:LogLevel:Bridge.Server.Access"] = "None" });
        Assert.Empty(off.Sink);
        Assert.Empty(off.Captured);
    }

    [Fact]
    public void The_console_is_left_out_of_the_category_by_the_weakest_rule_so_configuration_can_bring_it_back()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:Console:LogLevel:Bridge.Server.Access"] = "Information",
        });
        builder.Services.AddBridge<Samples.Echo.EchoApplication>();
        using var host = builder.Build();

        var rules = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LoggerFilterOptions>>().Value.Rules;
        var forConsole = rules.Select((rule, index) => (rule, index))
            .Where(r => r.rule.CategoryName == AccessLogProvider.Category && r.rule.ProviderName is { } name && name.Contains("Console", StringComparison.Ordinal))
            .ToList();

        // Bridge's rule (None) comes first: for rules as specific, the last one wins, so the user's applies.
        Assert.Equal(2, forConsole.Count);
        Assert.Equal(LogLevel.None, forConsole[0].rule.LogLevel);
        Assert.Equal(LogLevel.Information, forConsole[^1].rule.LogLevel);
        Assert.True(forConsole[0].index < forConsole[^1].index);
    }

    // Serves one request on a host built as apps are (AddBridge), with the sink writing to memory and an in-memory
    // provider beside it; returns what the sink wrote and the access messages the other provider received.
    private async Task<(string Sink, List<string> Captured)> ServeOneAsync(Dictionary<string, string?> settings)
    {
        var path = Path.Combine(_directory.FullName, Guid.NewGuid().ToString("N")[..8] + ".sock");
        var output = new MemoryStream();
        using var captured = new LogSink();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(captured);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings)
        {
            ["Bridge:Listeners:0:Address"] = "unix:" + path,
        });
        builder.Services.AddSingleton<ILoggerProvider>(new AccessLogProvider(output)); // AddBridge keeps this one
        builder.Services.AddBridge<Samples.Echo.EchoApplication>();
        using (var host = builder.Build())
        {
            await host.StartAsync();
            Assert.Equal(200, (await UwsgiWire.SendAsync(new UnixDomainSocketEndPoint(path), TestRequest.Get("/hello"))).StatusCode);
            await host.StopAsync();
        } // the host disposes the providers: the sink writes what it has

        return (Encoding.UTF8.GetString(output.ToArray()), [.. captured.Entries.Where(e => e.Category == AccessLogProvider.Category).Select(e => e.Message)]);
    }
}
