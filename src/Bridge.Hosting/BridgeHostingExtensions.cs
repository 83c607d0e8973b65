using Bridge.Server.Gateway;
using Bridge.Server.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bridge.Hosting;

/// <summary>Registers Bridge on a generic host.</summary>
public static class BridgeHostingExtensions
{
    /// <summary>
    /// Adds the Bridge server as a hosted service, its options bound from the <c>Bridge</c> configuration section
    /// (appsettings.json, environment <c>Bridge__...</c>, command line) and validated at start: a problem there or
    /// with a listener stops the start with a <see cref="BridgeStartException"/> (exit code 1 when unhandled). The application
    /// is the <see cref="IGatewayApplication"/> registered in DI.
    /// </summary>
    public static IServiceCollection AddBridge(this IServiceCollection services, Action<BridgeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddBridgeOptions(configure);
        services.AddOptions<HostOptions>().Configure<IOptions<BridgeOptions>>(static (host, bridge) =>
        {
            // The host must wait for Bridge's own graceful stop, plus a margin for the last flush.
            // HostOptions are read while the host is built: invalid Bridge options must not throw here, but at
            // start (ValidateOnStart), as one exception listing every failure.
            BridgeOptions options;
            try
            {
                options = bridge.Value;
            }
            catch (OptionsValidationException)
            {
                return;
            }

            var needed = options.Limits.ShutdownTimeout + TimeSpan.FromSeconds(5);
            if (host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });
        services.AddHostedService<BridgeHostedService>();
        return services;
    }

    /// <summary>
    /// The options alone, for a host that runs its own server over them (the ASP.NET Core server does): bound from
    /// the <c>Bridge</c> section, then the short command-line keys (<c>--listen</c>, ...), then
    /// <paramref name="configure"/>; validated at start.
    /// </summary>
    public static IServiceCollection AddBridgeOptions(this IServiceCollection services, Action<BridgeOptions>? configure)
    {
        // Validated when Bridge starts (StartFailure.RunAsync), not by ValidateOnStart: a failure is then one
        // BridgeStartException, logged once by the host, and exit code 1 rather than a crash.
        services.AddOptions<BridgeOptions>().BindConfiguration(BridgeOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<BridgeOptions>, BridgeShorthandConfiguration>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BridgeOptions>, BridgeOptionsValidator>());
        WorkerLogFormatter.Register(services, Environment.GetEnvironmentVariable(WorkerLogFormatter.WorkerIdVariable)); // under dotnet-bridge run
        AddAccessLog(services);
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }

    // The access log's own sink (AccessLogProvider), and the console provider left out of its category, as the
    // lowest-priority rule: any rule a user configures for the same provider and category wins over it (Logging:
    // Console:LogLevel:Bridge.Server.Access=Information sends the lines to the console; Logging:BridgeAccessLog:
    // LogLevel:Default=None silences the sink; Logging:LogLevel:Bridge.Server.Access=None turns the log off).
    private static void AddAccessLog(IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, AccessLogProvider>());
        services.Configure<LoggerFilterOptions>(static options => options.Rules.Insert(0, new LoggerFilterRule(
            "Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider", AccessLogProvider.Category, LogLevel.None, null)));
    }

    /// <summary>Adds Bridge with <typeparamref name="TApplication"/> as the application.</summary>
    public static IServiceCollection AddBridge<TApplication>(this IServiceCollection services, Action<BridgeOptions>? configure = null)
        where TApplication : class, IGatewayApplication
    {
        services.TryAddSingleton<IGatewayApplication, TApplication>();
        return services.AddBridge(configure);
    }

    /// <summary>Adds Bridge with a delegate as the application.</summary>
    public static IServiceCollection AddBridge(this IServiceCollection services, GatewayRequestHandler handler, Action<BridgeOptions>? configure = null)
    {
        services.TryAddSingleton<IGatewayApplication>(new DelegateApplication(handler));
        return services.AddBridge(configure);
    }

    /// <summary>Adds Bridge to a host application builder (<c>Host.CreateApplicationBuilder</c>).</summary>
    public static IHostApplicationBuilder AddBridge<TApplication>(this IHostApplicationBuilder builder, Action<BridgeOptions>? configure = null)
        where TApplication : class, IGatewayApplication
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddBridge<TApplication>(configure);
        return builder;
    }
}
