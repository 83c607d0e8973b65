using System.Text.Json;

namespace Bridge.Cli;

/// <summary>One datagram from a worker (SUPERVISOR-PROTOCOL.md): ready, stats or stopping.</summary>
internal sealed record WorkerMessage(
    string Type,
    int Pid,
    int Worker,
    int Generation,
    long Requests,
    int InFlight,
    long Exceptions,
    double RequestTimeMsTotal,
    double OldestInFlightMs,
    int Upgraded)
{
    public const string Ready = "ready";
    public const string Stats = "stats";
    public const string Stopping = "stopping";

    /// <summary>false when the datagram is not a JSON object with a type and a pid.</summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, out WorkerMessage? message)
    {
        message = null;
        try
        {
            var reader = new Utf8JsonReader(datagram);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("pid", out var pid) || !pid.TryGetInt32(out var pidValue))
            {
                return false;
            }

            message = new WorkerMessage(
                type.GetString()!,
                pidValue,
                (int)Number(root, "worker"),
                (int)Number(root, "generation"),
                (long)Number(root, "requests"),
                (int)Number(root, "inFlight"),
                (long)Number(root, "exceptions"),
                Number(root, "requestTimeMsTotal"),
                Number(root, "oldestInFlightMs"),
                (int)Number(root, "upgraded"));
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static double Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : 0;
}
