using System.Collections;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Bridge.Cli;

/// <summary>Dispatches <c>dotnet-bridge</c> sub-commands. Exit codes: 0 ok, 1 the run failed, 2 a usage error.</summary>
internal static class CliCommand
{
    /// <summary>The command's name: the tool's ToolCommandName, used in every message it prints.</summary>
    public const string Name = "dotnet-bridge";

    private const int Failed = 1;
    private const int UsageError = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            await Console.Error.WriteLineAsync(Usage.Text);
            return UsageError;
        }

        if (args[0] is "--help" or "-h" or "help" || args[0] == "run" && args.Length > 1 && args[1] is "--help" or "-h")
        {
            Console.WriteLine(Usage.Text);
            return 0;
        }

        if (args[0] != "run")
        {
            await Console.Error.WriteLineAsync($"{Name}: unknown command '{args[0]}' ({Name} --help lists the usage).");
            return UsageError;
        }

        RunOptions options;
        try
        {
            options = RunOptionsParser.Parse(args[1..], Environment.GetEnvironmentVariables());
        }
        catch (RunOptionsException ex)
        {
            await Console.Error.WriteLineAsync(Name + ": " + ex.Message);
            return UsageError;
        }

        using var loggerFactory = LoggerFactory.Create(builder => builder
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace) // stdout belongs to the workers' output
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss ";
            })
            .SetMinimumLevel(LogLevel.Information));
        var logger = loggerFactory.CreateLogger(SupervisorLog.Category);
        try
        {
            using var listeners = ListenerSet.Open(options, ReadEnvironment(), logger);
            using var control = ControlChannel.Open();
            return await new SupervisorLoop(options, listeners, control, TimeProvider.System, logger).RunAsync();
        }
        catch (RunOptionsException ex)
        {
            await Console.Error.WriteLineAsync(Name + ": " + ex.Message);
            return UsageError;
        }
        catch (Exception ex) when (ex is IOException or SocketException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            await Console.Error.WriteLineAsync(Name + ": " + ex.Message);
            return Failed;
        }
    }

    private static Dictionary<string, string?> ReadEnvironment()
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = entry.Value as string;
        }

        return variables;
    }
}
