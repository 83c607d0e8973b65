using System.Diagnostics;
using System.Diagnostics.Metrics;
using Bridge.Server.Gateway;

namespace Bridge.Server.Metrics;

/// <summary>
/// The <c>Bridge.Server</c> meter, with OpenTelemetry's HTTP server names. Instruments are checked for
/// <c>Enabled</c> before any tag is built, so with no listener attached a request costs nothing here.
/// </summary>
internal static class ServerMetrics
{
    public const string MeterName = "Bridge.Server";

    private static readonly Meter Meter = new(MeterName);

    // Boxed once: a status code tag must not allocate per request.
    private static readonly object[] StatusCodes = CreateStatusCodes();

    public static readonly Histogram<double> RequestDuration = Meter.CreateHistogram<double>(
        "http.server.request.duration",
        unit: "s",
        description: "Duration of HTTP server requests.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] });

    public static readonly UpDownCounter<long> ActiveRequests = Meter.CreateUpDownCounter<long>(
        "http.server.active_requests",
        unit: "{request}",
        description: "Number of active HTTP server requests.");

    public static readonly UpDownCounter<long> UpgradedConnections = Meter.CreateUpDownCounter<long>(
        "bridge.server.upgraded_connections",
        unit: "{connection}",
        description: "Number of connections that are currently upgraded (WebSockets).");

    public static void RequestStarted(string method, GatewayProtocol protocol)
    {
        var tags = new TagList
        {
            { "http.request.method", NormalizeMethod(method) },
            { "network.protocol.name", ProtocolName(protocol) },
        };
        ActiveRequests.Add(1, tags);
    }

    public static void RequestEnded(string method, GatewayProtocol protocol)
    {
        var tags = new TagList
        {
            { "http.request.method", NormalizeMethod(method) },
            { "network.protocol.name", ProtocolName(protocol) },
        };
        ActiveRequests.Add(-1, tags);
    }

    public static void RecordDuration(double seconds, string method, int statusCode, GatewayProtocol protocol)
    {
        var tags = new TagList
        {
            { "http.request.method", NormalizeMethod(method) },
            { "http.response.status_code", statusCode is >= 0 and < 600 ? StatusCodes[statusCode] : statusCode },
            { "network.protocol.name", ProtocolName(protocol) },
        };
        RequestDuration.Record(seconds, tags);
    }

    private static string ProtocolName(GatewayProtocol protocol) => protocol == GatewayProtocol.Uwsgi ? "uwsgi" : "fastcgi";

    // OpenTelemetry: known methods as they are, any other as _OTHER (bounded cardinality).
    private static string NormalizeMethod(string method) => method switch
    {
        "GET" or "HEAD" or "POST" or "PUT" or "DELETE" or "CONNECT" or "OPTIONS" or "TRACE" or "PATCH" => method,
        _ => "_OTHER",
    };

    private static object[] CreateStatusCodes()
    {
        var codes = new object[600];
        for (var i = 0; i < codes.Length; i++)
        {
            codes[i] = i;
        }

        return codes;
    }
}
