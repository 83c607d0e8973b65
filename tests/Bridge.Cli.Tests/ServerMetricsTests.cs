using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Bridge.Server;
using Bridge.Server.Gateway;
using Bridge.Server.Options;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Cli.Tests;

// Starts a server: kept apart from the agent tests, which point every server at their datagram socket.
[Collection(nameof(SupervisorAgentTests))]
public sealed class ServerMetricsTests
{
    [Fact]
    public async Task Records_request_duration_and_active_requests_with_opentelemetry_names()
    {
        var measurements = new ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Bridge.Server")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, ToDictionary(tags))));
        listener.Start();

        var directory = Directory.CreateTempSubdirectory("bct-");
        try
        {
            var socketPath = Path.Combine(directory.FullName, "app.sock");
            var options = new BridgeOptions();
            options.Listeners.Add(new BridgeListenerOptions { Address = "unix:" + socketPath, Protocol = ListenerProtocol.Uwsgi });
            await using var server = new BridgeServer(options, new DelegateApplication(static c => { c.Response.StatusCode = 201; return Task.CompletedTask; }), NullLoggerFactory.Instance);
            await server.StartAsync();
            Assert.Equal(201, (await UwsgiWire.SendAsync(new UnixDomainSocketEndPoint(socketPath), TestRequest.Get("/x"))).StatusCode);
            await server.StopAsync(); // the request is over once the server has stopped
        }
        finally
        {
            directory.Delete(recursive: true);
        }

        var duration = Assert.Single(measurements, m => m.Instrument == "http.server.request.duration");
        Assert.Equal("GET", duration.Tags["http.request.method"]);
        Assert.Equal(201, duration.Tags["http.response.status_code"]);
        Assert.Equal("uwsgi", duration.Tags["network.protocol.name"]);
        Assert.InRange(duration.Value, 0, 10);
        var active = measurements.Where(m => m.Instrument == "http.server.active_requests").Select(m => m.Value).ToArray();
        Assert.Equal([1.0, -1.0], active);
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            result[tag.Key] = tag.Value;
        }

        return result;
    }
}
