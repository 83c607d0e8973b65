using System.Reflection;
using Bridge.Server.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;

namespace Bridge.Hosting;

/// <summary>
/// Names that look meant for Bridge but are not its own: a key under the <c>Bridge</c> section that no option has
/// (<c>Bridge:Limits:RequestTimout</c>), and a command-line option shaped like Bridge's short ones
/// (<c>--protocl</c>, <c>--socket-grup</c>). Binding would ignore both silently; each is a start failure instead,
/// naming the nearest known name.
/// </summary>
internal static class BridgeConfigurationKeys
{
    public static void FindUnknown(IConfiguration configuration, List<string> failures)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(BridgeOptions.SectionName);
        WalkSection(section, typeof(BridgeOptions), section.Path, failures);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var key in CommandLineKeys(configuration))
        {
            if (seen.Add(key) && BridgeCommandLine.CheckOption(key) is { } failure)
            {
                failures.Add(failure);
            }
        }
    }

    // The top-level keys the command line gave, in whichever provider holds them (an app's own, or the host's
    // chained configuration); other sources (environment, appsettings.json) are not options someone typed.
    private static IEnumerable<string> CommandLineKeys(IConfiguration configuration)
    {
        if (configuration is not IConfigurationRoot root)
        {
            yield break;
        }

        foreach (var provider in root.Providers)
        {
            if (provider is CommandLineConfigurationProvider)
            {
                foreach (var key in provider.GetChildKeys([], null))
                {
                    yield return key;
                }
            }
            else if (provider is ChainedConfigurationProvider { Configuration: var chained })
            {
                foreach (var key in CommandLineKeys(chained))
                {
                    yield return key;
                }
            }
        }
    }

    private static void WalkSection(IConfigurationSection section, Type type, string path, List<string> failures)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        foreach (var child in section.GetChildren())
        {
            var childPath = path + ":" + child.Key;
            var property = Array.Find(properties, p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                failures.Add($"{childPath} is not a Bridge option{OptionNames.Suggestion(child.Key, properties.Select(p => p.Name), path + ":")}.");
                continue;
            }

            if (ListElement(property.PropertyType) is { } element)
            {
                if (IsOptionsClass(element))
                {
                    foreach (var item in child.GetChildren())
                    {
                        WalkSection(item, element, childPath + ":" + item.Key, failures);
                    }
                }
            }
            else if (IsOptionsClass(property.PropertyType))
            {
                WalkSection(child, property.PropertyType, childPath, failures);
            }
        }
    }

    private static bool IsOptionsClass(Type type) => type.IsClass && type != typeof(string);

    private static Type? ListElement(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() is var definition
        && (definition == typeof(IList<>) || definition == typeof(List<>))
            ? type.GetGenericArguments()[0]
            : null;
}
