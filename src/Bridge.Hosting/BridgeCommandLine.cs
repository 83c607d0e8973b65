using System.Globalization;

namespace Bridge.Hosting;

/// <summary>
/// The short options apps built on Bridge share (<c>--listen</c>, <c>--protocol</c>, <c>--socket-mode</c>,
/// <c>--socket-owner</c>, <c>--socket-group</c>, <c>--backlog</c>, <c>--access-log</c>), turned into <c>Bridge:</c>
/// configuration keys. <c>--listen</c> may repeat; the socket options apply to every listener given on the command
/// line. Other arguments are returned for the host's own command-line configuration (<c>--Bridge:Limits:...=...</c>).
/// </summary>
public static class BridgeCommandLine
{
    private static readonly string[] ListenerOptions = ["--protocol", "--socket-mode", "--socket-owner", "--socket-group", "--backlog"];

    /// <summary>Every short option, without its dashes.</summary>
    internal static readonly string[] Names = ["listen", "protocol", "socket-mode", "socket-owner", "socket-group", "backlog", "access-log"];

    /// <summary>
    /// Splits <paramref name="args"/> into Bridge configuration keys and the remaining arguments. An option shaped
    /// like Bridge's own but unknown (<c>--protocl</c>, <c>--socket-grup</c>) is an error naming the nearest one.
    /// </summary>
    /// <exception cref="BridgeStartException">An unknown Bridge-like option, or one missing its value; left unhandled, the process prints it and exits 1.</exception>
    public static (Dictionary<string, string?> Configuration, string[] Remaining) Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var listens = new List<string>();
        var perListener = new Dictionary<string, string>(StringComparer.Ordinal);
        var configuration = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var remaining = new List<string>();
        var failures = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = Split(args[i]);
            if (name == "--listen" || name == "--access-log" || ListenerOptions.Contains(name))
            {
                var value = inlineValue ?? (i + 1 < args.Count ? args[++i] : null);
                if (value is null)
                {
                    failures.Add($"{name} needs a value.");
                }
                else if (name == "--listen")
                {
                    listens.Add(value);
                }
                else if (name == "--access-log")
                {
                    if (value is "on" or "true" or "1" or "off" or "false" or "0")
                    {
                        configuration["Bridge:AccessLog"] = value is "on" or "true" or "1" ? "true" : "false";
                    }
                    else
                    {
                        failures.Add($"--access-log takes on or off, not '{value}'.");
                    }
                }
                else
                {
                    perListener[name] = value;
                }

                continue;
            }

            if (name.StartsWith("--", StringComparison.Ordinal) && CheckOption(name[2..]) is { } failure)
            {
                failures.Add(failure);
            }

            remaining.Add(args[i]);
        }

        if (failures.Count > 0)
        {
            StartFailure.Throw(failures);
        }

        for (var i = 0; i < listens.Count; i++)
        {
            var key = "Bridge:Listeners:" + i.ToString(CultureInfo.InvariantCulture);
            configuration[key + ":Address"] = listens[i];
            foreach (var (option, value) in perListener)
            {
                configuration[key + ":" + KeyFor(option)] = value;
            }
        }

        return (configuration, remaining.ToArray());
    }

    /// <summary>
    /// Null for a known option or one that is not Bridge's business; else why <c>--<paramref name="name"/></c> is
    /// refused: it starts like a socket option or is a small typo away from a known one.
    /// </summary>
    internal static string? CheckOption(string name)
    {
        if (Names.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        var nearest = OptionNames.Nearest(name, Names);
        var bridgeShaped = name.StartsWith("socket", StringComparison.OrdinalIgnoreCase) || name.StartsWith("listen", StringComparison.OrdinalIgnoreCase);
        return nearest is null && !bridgeShaped
            ? null
            : $"Unknown option --{name}{(nearest is null ? "" : $" (did you mean --{nearest}?)")}; Bridge's options are --{string.Join(", --", Names)}.";
    }

    private static (string Name, string? Value) Split(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 2 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }

    private static string KeyFor(string option) => option switch
    {
        "--protocol" => "Protocol",
        "--socket-mode" => "SocketMode",
        "--socket-owner" => "SocketOwner",
        "--socket-group" => "SocketGroup",
        _ => "Backlog",
    };
}
