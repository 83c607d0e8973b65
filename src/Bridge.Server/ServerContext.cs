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
        Statistics = new ServerStatistics(time);
    }

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
