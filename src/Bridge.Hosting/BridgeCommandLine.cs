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

    /// <summary>Splits <paramref name="args"/> into Bridge configuration keys and the remaining arguments.</summary>
    /// <exception cref="ArgumentException">An option is missing its value.</exception>
    public static (Dictionary<string, string?> Configuration, string[] Remaining) Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var listens = new List<string>();
        var perListener = new Dictionary<string, string>(StringComparer.Ordinal);
        var configuration = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var remaining = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = Split(args[i]);
            if (name == "--listen" || name == "--access-log" || ListenerOptions.Contains(name))
            {
                var value = inlineValue ?? (i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value."));
                if (name == "--listen")
                {
                    listens.Add(value);
                }
                else if (name == "--access-log")
                {
                    configuration["Bridge:AccessLog"] = value is "on" or "true" or "1" ? "true" : value is "off" or "false" or "0" ? "false" : throw new ArgumentException("--access-log takes on or off.");
                }
                else
                {
                    perListener[name] = value;
                }

                continue;
            }

            remaining.Add(args[i]);
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
