using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Bridge.Server;
using Bridge.Server.Metrics;

namespace Bridge.Hosting;

/// <summary>
/// The worker's side of <c>dotnet-bridge run</c> (src/Bridge.Cli/SUPERVISOR-PROTOCOL.md): when
/// <c>BRIDGE_SUPERVISOR_SOCKET</c> is set, one JSON datagram <c>ready</c> once the listeners accept, <c>stats</c>
/// every second, <c>stopping</c> when the graceful stop begins. Datagrams are fire-and-forget: a supervisor that
/// is gone or slow never blocks or fails the worker. Both hosts (<c>AddBridge()</c> and <c>UseBridge()</c>) start it
/// once their server accepts, and tell it when the stop begins.
/// </summary>
public sealed class SupervisorAgent : IAsyncDisposable
{
    /// <summary>The environment variable that holds the supervisor's datagram socket.</summary>
    public const string SocketVariable = "BRIDGE_SUPERVISOR_SOCKET";
    /// <summary>The environment variable that holds this worker's slot number.</summary>
    public const string WorkerVariable = "BRIDGE_WORKER_ID";
    /// <summary>The environment variable that holds this worker's generation.</summary>
    public const string GenerationVariable = "BRIDGE_WORKER_GENERATION";

    private static readonly TimeSpan StatsInterval = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _supervisor;
    private readonly ServerStatistics _statistics;
    private readonly TimeProvider _time;
    private readonly int _pid = Environment.ProcessId;
    private readonly int? _worker = ReadInt(WorkerVariable);
    private readonly int? _generation = ReadInt(GenerationVariable);
    private readonly Lock _sendLock = new();
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private ITimer? _timer;
    private bool _stopped;

    private SupervisorAgent(string path, ServerStatistics statistics, TimeProvider time)
    {
        _supervisor = new UnixDomainSocketEndPoint(path);
        _statistics = statistics;
        _time = time;
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { Blocking = false };
    }

    /// <summary>
    /// Starts the agent for a started <paramref name="server"/> when the supervisor's socket is in the environment
    /// (the process is a worker of <c>dotnet-bridge run</c>): sends <c>ready</c>, then <c>stats</c> each second. Null otherwise.
    /// </summary>
    public static SupervisorAgent? Start(BridgeServer server, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(server);
        return Start(server.Statistics, time);
    }

    internal static SupervisorAgent? Start(ServerStatistics statistics, TimeProvider time)
    {
        var path = Environment.GetEnvironmentVariable(SocketVariable);
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        var agent = new SupervisorAgent(path, statistics, time);
        agent.Send("ready");
        agent._timer = time.CreateTimer(static state => ((SupervisorAgent)state!).Send("stats"), agent, StatsInterval, StatsInterval);
        return agent;
    }

    /// <summary>Sends <c>stopping</c> and stops the stats.</summary>
    public void Stopping()
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Send("stopping");
        lock (_sendLock)
        {
            _stopped = true;
        }
    }

    /// <summary>Stops the stats and closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        lock (_sendLock)
        {
            _stopped = true;
            _socket.Dispose();
        }
    }

    private void Send(string type)
    {
        lock (_sendLock)
        {
            if (_stopped)
            {
                return;
            }

            _buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(_buffer))
            {
                json.WriteStartObject();
                json.WriteString("type", type);
                json.WriteNumber("pid", _pid);
                WriteOptional(json, "worker", _worker);
                WriteOptional(json, "generation", _generation);
                if (type == "stats")
                {
                    json.WriteNumber("requests", _statistics.Requests);
                    json.WriteNumber("inFlight", _statistics.InFlight);
                    json.WriteNumber("upgraded", _statistics.Upgraded);
                    json.WriteNumber("exceptions", _statistics.Exceptions);
                    json.WriteNumber("requestTimeMsTotal", Math.Round(_statistics.RequestTimeMsTotal, 3));
                    json.WriteNumber("oldestInFlightMs", Math.Round(_statistics.OldestInFlightMs(), 3));
                }

                json.WriteEndObject();
            }

            try
            {
                _socket.SendTo(_buffer.WrittenSpan, SocketFlags.None, _supervisor);
            }
            catch (SocketException)
            {
                // The supervisor is gone, restarting, or its queue is full: the next datagram says it all again.
            }
            catch (ObjectDisposedException)
            {
                // Disposed while a timer tick was on its way.
            }
        }
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, int? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static int? ReadInt(string variable) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
