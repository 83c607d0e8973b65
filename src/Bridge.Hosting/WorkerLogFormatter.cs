using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Bridge.Hosting;

/// <summary>
/// Under <c>dotnet-bridge run</c> every worker writes to the same stderr: this console formatter puts
/// <c>[worker N pid P]</c> before each line the app's chosen formatter writes (after systemd's <c>&lt;6&gt;</c> priority,
/// so journald still reads it; JSON lines are left whole). Registered by <c>AddBridge()</c>/<c>UseBridge()</c> only
/// when the supervisor's <c>BRIDGE_WORKER_ID</c> is set, so it needs no code in the app.
/// </summary>
internal sealed class WorkerLogFormatter : ConsoleFormatter
{
    public const string FormatterName = "bridge-worker";
    public const string WorkerIdVariable = "BRIDGE_WORKER_ID";

    [ThreadStatic]
    private static StringWriter? t_buffer;

    private readonly IServiceProvider _services;
    private readonly Choice _choice;
    private ConsoleFormatter? _inner;
    private string? _innerName;

    public WorkerLogFormatter(IServiceProvider services, Choice choice)
        : base(FormatterName)
    {
        _services = services;
        _choice = choice;
    }

    /// <summary>The line prefix, e.g. <c>[worker 2 pid 4242] </c>.</summary>
    public string Prefix => _choice.Prefix;

    /// <summary>Registers the formatter in front of whichever the app configured, when running as worker <paramref name="workerId"/>.</summary>
    public static void Register(IServiceCollection services, string? workerId)
    {
        if (string.IsNullOrEmpty(workerId))
        {
            return;
        }

        var choice = new Choice($"[worker {workerId} pid {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}] ");
        services.TryAddSingleton(choice);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ConsoleFormatter, WorkerLogFormatter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<ConsoleLoggerOptions>, ChooseWorkerFormatter>());
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var inner = Inner();
        var buffer = t_buffer ??= new StringWriter(CultureInfo.InvariantCulture);
        buffer.GetStringBuilder().Clear();
        inner.Write(in logEntry, scopeProvider, buffer);
        var text = buffer.GetStringBuilder();
        if (text.Length == 0)
        {
            return;
        }

        if (text[0] == '{')
        {
            textWriter.Write(text); // a JSON object stays one: the worker is in its process id already
            return;
        }

        // systemd's formatter starts each entry with its priority, <0> to <7>, which must stay first.
        var priority = text.Length > 2 && text[0] == '<' && text[2] == '>' ? 3 : 0;
        for (var i = 0; i < priority; i++)
        {
            textWriter.Write(text[i]);
        }

        textWriter.Write(_choice.Prefix);
        textWriter.Write(text.ToString(priority, text.Length - priority));
    }

    private ConsoleFormatter Inner()
    {
        var name = _choice.InnerName;
        if (_inner is { } inner && _innerName == name)
        {
            return inner;
        }

        var formatters = _services.GetServices<ConsoleFormatter>().Where(f => f is not WorkerLogFormatter).ToList();
        inner = formatters.Find(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? formatters.Find(f => f.Name == ConsoleFormatterNames.Simple)
            ?? throw new InvalidOperationException("No console formatter named " + name + ".");
        (_inner, _innerName) = (inner, name);
        return inner;
    }

    /// <summary>The prefix, and the formatter the app chose before this one took its place.</summary>
    internal sealed class Choice(string prefix)
    {
        public string Prefix { get; } = prefix;

        public string InnerName { get; set; } = ConsoleFormatterNames.Simple;
    }

    // After the app's own settings (appsettings.json, AddSystemdConsole, ...): remember its formatter, put ours first.
    private sealed class ChooseWorkerFormatter(Choice choice) : IPostConfigureOptions<ConsoleLoggerOptions>
    {
        public void PostConfigure(string? name, ConsoleLoggerOptions options)
        {
            if (options.FormatterName != FormatterName)
            {
                choice.InnerName = options.FormatterName ?? ConsoleFormatterNames.Simple;
                options.FormatterName = FormatterName;
            }
        }
    }
}
