using System.Collections;
using System.Globalization;
using System.Text.Json;
using Bridge.Hosting;
using Bridge.Server.Listeners;
using Bridge.Server.Options;

namespace Bridge.Cli;

/// <summary>
/// Reads <see cref="RunOptions"/> from three layers: <c>--config FILE.json</c> (keys named as the options, without
/// dashes), the environment (<c>BRIDGE_MAX_REQUESTS</c>; a repeatable option takes a comma-separated list), and the
/// command line, each later layer replacing an option the earlier ones set. Unknown names are errors.
/// </summary>
internal static class RunOptionsParser
{
    private const string ConfigOption = "config";
    private const string ListenOption = "listen";

    private static readonly string[] Names =
    [
        ListenOption, "protocol", "socket-mode", "socket-owner", "socket-group", "backlog", "workers", "stats",
        "graceful-timeout", "max-requests", "max-requests-jitter", "max-rss", "max-lifetime", "harakiri", "touch-reload",
    ];

    /// <exception cref="RunOptionsException">An unknown option, a missing or malformed value.</exception>
    public static RunOptions Parse(IReadOnlyList<string> args, IDictionary environment)
    {
        var (commandLine, command, configPath) = ParseCommandLine(args);
        configPath ??= environment[EnvironmentName(ConfigOption)] as string;
        var values = configPath is null ? new Dictionary<string, List<string>>() : ReadConfigFile(configPath);
        foreach (var name in Names)
        {
            if (environment[EnvironmentName(name)] is string value && value.Length > 0)
            {
                values[name] = name == ListenOption ? [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] : [value];
            }
        }

        foreach (var (name, value) in commandLine)
        {
            values[name] = value;
        }

        return Build(values, command);
    }

    public static string EnvironmentName(string option) => "BRIDGE_" + option.ToUpperInvariant().Replace('-', '_');

    private static (Dictionary<string, List<string>> Values, List<string> Command, string? ConfigPath) ParseCommandLine(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        string? configPath = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                return (values, [.. args.Skip(i + 1)], configPath);
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new RunOptionsException($"Unexpected argument '{arg}': put the app command after --, e.g. dotnet-bridge run --listen unix:/run/app.sock -- dotnet App.dll.");
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[2..equals] : arg[2..];
            if (name != ConfigOption && !Names.Contains(name))
            {
                throw new RunOptionsException($"Unknown option --{name}{OptionNames.Suggestion(name, [.. Names, ConfigOption], "--")} (dotnet-bridge --help lists the options).");
            }

            var value = equals > 0 ? arg[(equals + 1)..] : i + 1 < args.Count ? args[++i] : throw new RunOptionsException($"--{name} needs a value.");
            if (name == ConfigOption)
            {
                configPath = value;
            }
            else if (name == ListenOption && values.TryGetValue(name, out var listens))
            {
                listens.Add(value);
            }
            else
            {
                values[name] = [value];
            }
        }

        return (values, [], configPath);
    }

    private static Dictionary<string, List<string>> ReadConfigFile(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new RunOptionsException($"Cannot read the config file {path}: {ex.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new RunOptionsException($"The config file {path} must hold one JSON object, e.g. {{\"listen\": [\"unix:/run/app.sock\"], \"workers\": 4}}.");
            }

            var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!Names.Contains(property.Name))
                {
                    throw new RunOptionsException($"Unknown key \"{property.Name}\" in the config file {path}{OptionNames.Suggestion(property.Name, Names)} (keys are the option names, e.g. \"max-requests\").");
                }

                values[property.Name] = property.Value.ValueKind == JsonValueKind.Array
                    ? [.. property.Value.EnumerateArray().Select(ScalarText)]
                    : [ScalarText(property.Value)];
            }

            return values;
        }
    }

    private static string ScalarText(JsonElement element) => element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();

    private static RunOptions Build(Dictionary<string, List<string>> values, List<string> command)
    {
        string? One(string name) => values.TryGetValue(name, out var list) && list.Count > 0 ? list[^1] : null;
        var listen = values.TryGetValue(ListenOption, out var listens) ? listens : [];
        foreach (var address in listen)
        {
            if (!ListenAddress.TryParse(address, out var parsed, out var error) || parsed!.Kind == ListenAddressKind.FileDescriptor)
            {
                throw new RunOptionsException($"--listen: {(error.Length > 0 ? error : $"'{address}': fd: listeners come from systemd (LISTEN_FDS), not from --listen")}.");
            }
        }

        if (One("stats") is { } stats && (!ListenAddress.TryParse(stats, out var statsAddress, out _) || statsAddress!.Kind == ListenAddressKind.FileDescriptor))
        {
            throw new RunOptionsException($"--stats: '{stats}' is not an address; use unix:/run/bridge-stats.sock or tcp:127.0.0.1:9191.");
        }

        if (One("socket-mode") is { } mode)
        {
            try
            {
                ListenSocketFactory.ParseMode(mode);
            }
            catch (FormatException ex)
            {
                throw new RunOptionsException("--socket-mode: " + ex.Message);
            }
        }

        if (command.Count == 0)
        {
            throw new RunOptionsException("No app command: dotnet-bridge run [options] -- <app command...>, e.g. -- dotnet App.dll.");
        }

        var defaults = new RunOptions();
        return new RunOptions
        {
            Listen = listen,
            Protocol = One("protocol") switch
            {
                null => defaults.Protocol,
                "uwsgi" => ListenerProtocol.Uwsgi,
                "fastcgi" => ListenerProtocol.FastCgi,
                "auto" => ListenerProtocol.Auto,
                var other => throw new RunOptionsException($"--protocol: '{other}' is not uwsgi, fastcgi or auto."),
            },
            SocketMode = One("socket-mode") ?? defaults.SocketMode,
            SocketOwner = One("socket-owner"),
            SocketGroup = One("socket-group"),
            Backlog = (int)(Number(values, "backlog", 1, int.MaxValue) ?? defaults.Backlog),
            Workers = (int)(Number(values, "workers", 1, 4096) ?? defaults.Workers),
            Stats = One("stats"),
            GracefulTimeout = Seconds(values, "graceful-timeout") ?? defaults.GracefulTimeout,
            MaxRequests = Number(values, "max-requests", 1, long.MaxValue),
            MaxRequestsJitter = (int)(Number(values, "max-requests-jitter", 0, int.MaxValue - 1) ?? 0),
            MaxRssBytes = Number(values, "max-rss", 1, long.MaxValue / (1024 * 1024)) * 1024 * 1024,
            MaxLifetime = Seconds(values, "max-lifetime"),
            Harakiri = Seconds(values, "harakiri"),
            TouchReload = One("touch-reload"),
            Command = command,
        };
    }

    private static long? Number(Dictionary<string, List<string>> values, string name, long min, long max)
    {
        if (!values.TryGetValue(name, out var list) || list.Count == 0)
        {
            return null;
        }

        var text = list[^1];
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new RunOptionsException($"--{name}: '{text}' is not a whole number from {min} to {max}.");
    }

    private static TimeSpan? Seconds(Dictionary<string, List<string>> values, string name)
    {
        if (!values.TryGetValue(name, out var list) || list.Count == 0)
        {
            return null;
        }

        var text = list[^1];
        return double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= TimeSpan.FromDays(365).TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new RunOptionsException($"--{name}: '{text}' is not a positive number of seconds.");
    }
}
