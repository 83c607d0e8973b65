using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bridge.Cli.Stats;

namespace Bridge.Cli.Tests;

public sealed partial class StatsFormatterTests
{
    internal static SupervisorSnapshot Sample() => new(
        Pid: 100,
        UptimeSeconds: 12.5,
        Generation: 2,
        Listeners: [new ListenerSnapshot("unix:/run/a \"b\"\\c.sock", "uwsgi", 3, 128), new ListenerSnapshot("tcp:127.0.0.1:9000", "fastcgi", null, 64)],
        Workers:
        [
            new WorkerSnapshot(1, 201, 2, "ready", 10, 1, 4, 2, 0, 50_000_000, 3.5, 1.25, null),
            new WorkerSnapshot(2, 202, 2, "starting", 0, 0, 0, 0, 3, 0, 0.1, 0, 137),
        ]);

    [Fact]
    public void Json_has_the_snapshot_fields_in_camel_case()
    {
        using var document = JsonDocument.Parse(StatsFormatter.ToJson(Sample()));
        var root = document.RootElement;
        Assert.Equal(100, root.GetProperty("pid").GetInt32());
        Assert.Equal(12.5, root.GetProperty("uptimeSeconds").GetDouble());
        Assert.Equal(2, root.GetProperty("generation").GetInt32());

        var listener = root.GetProperty("listeners")[0];
        Assert.Equal("unix:/run/a \"b\"\\c.sock", listener.GetProperty("address").GetString());
        Assert.Equal("uwsgi", listener.GetProperty("protocol").GetString());
        Assert.Equal(3, listener.GetProperty("listenQueue").GetInt32());
        Assert.Equal(128, listener.GetProperty("backlog").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("listeners")[1].GetProperty("listenQueue").ValueKind);

        var worker = root.GetProperty("workers")[0];
        foreach (var name in new[] { "id", "pid", "generation", "state", "requests", "inFlight", "upgraded", "exceptions", "respawns", "rssBytes", "uptimeSeconds", "averageRequestMs", "lastExitCode" })
        {
            Assert.True(worker.TryGetProperty(name, out _), name);
        }

        Assert.Equal(201, worker.GetProperty("pid").GetInt32());
        Assert.Equal(4, worker.GetProperty("upgraded").GetInt32());
        Assert.Equal("ready", worker.GetProperty("state").GetString());
        Assert.Equal(137, root.GetProperty("workers")[1].GetProperty("lastExitCode").GetInt32());
    }

    [Fact]
    public void Prometheus_lines_are_help_type_or_samples_with_escaped_labels()
    {
        var text = StatsFormatter.ToPrometheus(Sample());
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                continue;
            }

            var match = SampleLine().Match(line);
            Assert.True(match.Success, line);
            samples[match.Groups["series"].Value] = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        }

        Assert.Equal(2, samples["bridge_workers"]);
        Assert.Equal(10, samples["bridge_worker_requests_total{worker=\"1\",pid=\"201\",generation=\"2\"}"]);
        Assert.Equal(1, samples["bridge_worker_in_flight{worker=\"1\",pid=\"201\",generation=\"2\"}"]);
        Assert.Equal(4, samples["bridge_worker_upgraded_connections{worker=\"1\",pid=\"201\",generation=\"2\"}"]);
        Assert.Contains("# TYPE bridge_worker_upgraded_connections gauge\n", text, StringComparison.Ordinal);
        Assert.Equal(2, samples["bridge_worker_exceptions_total{worker=\"1\",pid=\"201\",generation=\"2\"}"]);
        Assert.Equal(3, samples["bridge_worker_respawns_total{worker=\"2\",pid=\"202\",generation=\"2\"}"]);
        Assert.Equal(50_000_000, samples["bridge_worker_rss_bytes{worker=\"1\",pid=\"201\",generation=\"2\"}"]);
        Assert.Equal(3.5, samples["bridge_worker_uptime_seconds{worker=\"1\",pid=\"201\",generation=\"2\"}"]);
        Assert.Equal(1.25, samples["bridge_worker_request_duration_average_milliseconds{worker=\"1\",pid=\"201\",generation=\"2\"}"]);
        Assert.Equal(3, samples["bridge_listen_queue{address=\"unix:/run/a \\\"b\\\"\\\\c.sock\"}"]);
        Assert.Equal(128, samples["bridge_listen_backlog{address=\"unix:/run/a \\\"b\\\"\\\\c.sock\"}"]);
        Assert.Equal(64, samples["bridge_listen_backlog{address=\"tcp:127.0.0.1:9000\"}"]);
        Assert.DoesNotContain("bridge_listen_queue{address=\"tcp:127.0.0.1:9000\"}", samples.Keys); // unknown: no sample
        Assert.Contains("# TYPE bridge_worker_requests_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE bridge_listen_queue gauge\n", text, StringComparison.Ordinal);
    }

    // name{label="value",...} value — label values may hold \" and \\ escapes.
    [GeneratedRegex("""^(?<series>[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})?) (?<value>[-+0-9.eE]+|NaN|[+-]Inf)$""")]
    private static partial Regex SampleLine();
}
