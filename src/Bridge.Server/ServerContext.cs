using Bridge.Protocol;
using Bridge.Server.Gateway;
using Bridge.Server.Logging;
using Bridge.Server.Metrics;
using Bridge.Server.Options;
using Microsoft.Extensions.Logging;

namespace Bridge.Server;

/// <summary>What every connection of one server shares: options read once at start, loggers, the clock.</summary>
internal sealed class ServerContext
{
    public ServerContext(BridgeOptions options, IGatewayApplication application, ILoggerFactory loggerFactory, TimeProvider time)
    {
        Options = options;
        Limits = options.Limits;
        Application = application;
        Time = time;
        ProtocolLimits = new ProtocolLimits
        {
            MaxVarsBlockSize = Limits.MaxVarsBlockSize,
            MaxVariables = Limits.MaxVariables,
            MaxParamsSize = Limits.MaxParamsSize,
            MaxMultiplexedRequests = Limits.MaxMultiplexedRequests,
        };
        ConnectionLogger = loggerFactory.CreateLogger(LogCategories.Connections);
        ProtocolLogger = loggerFactory.CreateLogger(LogCategories.Protocol);
        ApplicationLogger = loggerFactory.CreateLogger(LogCategories.Application);
        AccessLogger = loggerFactory.CreateLogger(LogCategories.Access);
        HostingLogger = loggerFactory.CreateLogger(LogCategories.Hosting);
        AccessLogEnabled = options.AccessLog && AccessLogger.IsEnabled(LogLevel.Information);
        RequestTimeout = Limits.RequestTimeout ?? TimeSpan.Zero;
        RequestTimeoutTicks = Limits.RequestTimeout is { } timeout ? ToTicks(timeout) : null;
        HeadTimeoutTicks = ToTicks(Limits.RequestHeadTimeout);
        BodyStallTicks = ToTicks(Limits.BodyReadStallTimeout);
        KeepAliveTicks = ToTicks(Limits.FastCgiKeepAliveTimeout);
        MinBodyRate = Limits.MinRequestBodyDataRate;
        MinBodyRateGraceTicks = ToTicks(Limits.MinRequestBodyDataRateGracePeriod);
        MinResponseRate = Limits.MinResponseDataRate;
        MinResponseRateGraceTicks = ToTicks(Limits.MinResponseDataRateGracePeriod);
        Statistics = new ServerStatistics(time);
        PathBaseRule = PathBaseRule.Parse(options.PathBase);
        Events = new Transport.SocketEvents(ConnectionLogger) { Reserve = Reserve };
        Descriptors = Transport.DescriptorBudget.ForThisProcess(options.Listeners.Count, Limits.MaxConcurrentConnections, Limits.MaxIoThreads);
    }

    /// <summary>
    /// Cancelled when a graceful stop tells upgraded connections to go away, shortly before it cuts them
    /// (<see cref="Gateway.GatewayContext.GoingAway"/>); never reset: a stopped server does not start again.
    /// </summary>
    public CancellationTokenSource GoingAway { get; } = new();

    /// <summary>Spare descriptors, let go when the process runs out (filled at start).</summary>
    public Transport.DescriptorReserve Reserve { get; } = new();

    /// <summary>Connections and I/O threads per listener as the open-files limit allows (at most the configured ones).</summary>
    public Transport.DescriptorBudget Descriptors { get; }

    /// <summary>Where connections off their I/O thread wait for readiness and the peer's close (one thread).</summary>
    public Transport.SocketEvents Events { get; }

    public double? MinBodyRate { get; }

    public long MinBodyRateGraceTicks { get; }

    public double? MinResponseRate { get; }

    public long MinResponseRateGraceTicks { get; }

    /// <summary>How PathBase is taken (Bridge:PathBase).</summary>
    public PathBaseRule PathBaseRule { get; }

    /// <summary>Request counters, reported to a supervisor (<c>dotnet-bridge run</c>) once a second.</summary>
    public ServerStatistics Statistics { get; }

    public BridgeOptions Options { get; }

    public BridgeLimits Limits { get; }

    public ProtocolLimits ProtocolLimits { get; }

    public IGatewayApplication Application { get; }

    public TimeProvider Time { get; }

    public ILogger ConnectionLogger { get; }

    public ILogger ProtocolLogger { get; }

    public ILogger ApplicationLogger { get; }

    public ILogger AccessLogger { get; }

    public ILogger HostingLogger { get; }

    public bool AccessLogEnabled { get; }

    public TimeSpan RequestTimeout { get; }

    public long? RequestTimeoutTicks { get; }

    public long HeadTimeoutTicks { get; }

    public long BodyStallTicks { get; }

    public long KeepAliveTicks { get; }

    public long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Time.TimestampFrequency);

    public double ElapsedMilliseconds(long startTimestamp) => Time.GetElapsedTime(startTimestamp).TotalMilliseconds;
}
