using Bridge.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Bridge.Server.Tests;

/// <summary>Under dotnet-bridge run (BRIDGE_WORKER_ID set), each console log line says which worker wrote it.</summary>
public sealed class WorkerLogFormatterTests
{
    [Fact]
    public void A_worker_prefixes_each_simple_console_line_with_its_id_and_pid()
    {
        var text = Format("7", logging => logging.AddSimpleConsole(o => o.ColorBehavior = LoggerColorBehavior.Disabled));

        Assert.StartsWith($"[worker 7 pid {Environment.ProcessId}] info: Bridge.Test[401]", text, StringComparison.Ordinal);
        Assert.Contains("Listening on unix:/run/app.sock.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_systemd_priority_stays_first_so_journald_reads_it()
    {
        var text = Format("2", logging => logging.AddSystemdConsole());

        Assert.StartsWith($"<6>[worker 2 pid {Environment.ProcessId}] Bridge.Test[401]", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_a_supervisor_the_app_s_formatter_is_left_alone()
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddSimpleConsole());
        WorkerLogFormatter.Register(services, workerId: null);
        using var provider = services.BuildServiceProvider();

        Assert.Equal(ConsoleFormatterNames.Simple, provider.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
        Assert.DoesNotContain(provider.GetServices<ConsoleFormatter>(), f => f is WorkerLogFormatter);
    }

    [Fact]
    public void Add_bridge_puts_the_worker_formatter_in_place_under_a_supervisor()
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddConsole());
        WorkerLogFormatter.Register(services, "1");
        using var provider = services.BuildServiceProvider();

        Assert.Equal(WorkerLogFormatter.FormatterName, provider.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
    }

    // One Information entry, through what the console logger would use once Register has run.
    private static string Format(string workerId, Action<ILoggingBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddLogging(configure);
        WorkerLogFormatter.Register(services, workerId);
        using var provider = services.BuildServiceProvider();
        var name = provider.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName;
        var formatter = provider.GetServices<ConsoleFormatter>().Single(f => f.Name == name);
        var entry = new LogEntry<string>(LogLevel.Information, "Bridge.Test", new EventId(401), "Listening on unix:/run/app.sock.", null, (state, _) => state);
        using var writer = new StringWriter();
        formatter.Write(in entry, null, writer);
        return writer.ToString();
    }
}
