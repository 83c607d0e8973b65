using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bridge.Cli.Stats;

/// <summary>The stats endpoint's two formats: JSON (camelCase, the snapshot as is) and Prometheus text 0.0.4.</summary>
internal static class StatsFormatter
{
    public const string PrometheusContentType = "text/plain; version=0.0.4";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
    };

    public static byte[] ToJson(SupervisorSnapshot snapshot) => JsonSerializer.SerializeToUtf8Bytes(snapshot, JsonOptions);

    public static string ToPrometheus(SupervisorSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var text = new StringBuilder(1024);
        Header(text, "bridge_workers", "gauge", "Worker processes the supervisor runs.");
        Sample(text, "bridge_workers", null, snapshot.Workers.Count);

        WorkerFamily(text, snapshot, "bridge_worker_requests_total", "counter", "Requests completed by the worker.", w => w.Requests);
        WorkerFamily(text, snapshot, "bridge_worker_in_flight", "gauge", "Requests the worker is serving now.", w => w.InFlight);
        WorkerFamily(text, snapshot, "bridge_worker_upgraded_connections", "gauge", "Upgraded connections (WebSockets) the worker has open now.", w => w.Upgraded);
        WorkerFamily(text, snapshot, "bridge_worker_exceptions_total", "counter", "Application failures the worker answered with a 5xx.", w => w.Exceptions);
        WorkerFamily(text, snapshot, "bridge_worker_respawns_total", "counter", "Times the worker's slot was respawned.", w => w.Respawns);
        WorkerFamily(text, snapshot, "bridge_worker_rss_bytes", "gauge", "Resident memory of the worker process.", w => w.RssBytes);
        WorkerFamily(text, snapshot, "bridge_worker_uptime_seconds", "gauge", "Seconds since the worker process started.", w => w.UptimeSeconds);
        WorkerFamily(text, snapshot, "bridge_worker_request_duration_average_milliseconds", "gauge", "Average request duration of the worker.", w => w.AverageRequestMs);

        Header(text, "bridge_listen_queue", "gauge", "Connections waiting in the listening socket's accept queue.");
        foreach (var listener in snapshot.Listeners)
        {
            if (listener.ListenQueue is { } queue)
            {
                Sample(text, "bridge_listen_queue", Label("address", listener.Address), queue);
            }
        }

        Header(text, "bridge_listen_backlog", "gauge", "The listening socket's backlog (the accept queue's limit).");
        foreach (var listener in snapshot.Listeners)
        {
            Sample(text, "bridge_listen_backlog", Label("address", listener.Address), listener.Backlog);
        }

        return text.ToString();
    }

    private static void WorkerFamily(StringBuilder text, SupervisorSnapshot snapshot, string name, string type, string help, Func<WorkerSnapshot, double> value)
    {
        Header(text, name, type, help);
        foreach (var worker in snapshot.Workers)
        {
            var labels = Label("worker", worker.Id.ToString(CultureInfo.InvariantCulture))
                + "," + Label("pid", worker.Pid.ToString(CultureInfo.InvariantCulture))
                + "," + Label("generation", worker.Generation.ToString(CultureInfo.InvariantCulture));
            Sample(text, name, labels, value(worker));
        }
    }

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, string? labels, double value)
    {
        text.Append(name);
        if (labels is not null)
        {
            text.Append('{').Append(labels).Append('}');
        }

        text.Append(' ').Append(FormatValue(value)).Append('\n');
    }

    private static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    // Exposition format: in a label value, backslash, double quote and line feed are escaped.
    private static string Label(string name, string value) => name + "=\"" + EscapeLabelValue(value) + "\"";

    internal static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
