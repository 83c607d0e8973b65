using System.Text.RegularExpressions;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>The <c>{{NAME}}</c> placeholders of nginx/templates/*.template: listed, filled in, none left over.</summary>
internal static partial class NginxTemplate
{
    // The folders the templates name for nginx's temp files: {{PREFIX}}/tmp/body, ... (client_body_temp_path, ...).
    private static readonly string[] TempFolders = ["body", "proxy", "fastcgi", "uwsgi", "scgi"];

    public static IReadOnlyList<string> PortNames(string template) =>
        Placeholder().Matches(template).Select(m => m.Groups["name"].Value).Where(n => n.EndsWith("_PORT", StringComparison.Ordinal)).Distinct().ToArray();

    public static string Render(string template, IReadOnlyDictionary<string, string> values)
    {
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        var rendered = Placeholder().Replace(template, match =>
        {
            var name = match.Groups["name"].Value;
            if (values.TryGetValue(name, out var value))
            {
                return value;
            }

            missing.Add(name);
            return match.Value;
        });
        return missing.Count == 0
            ? rendered
            : throw new InvalidOperationException("The nginx template needs values for: " + string.Join(", ", missing) + ".");
    }

    /// <summary>Creates PREFIX/tmp and the temp folders in it that the templates name, traversable by nginx's workers.</summary>
    public static void CreateTempFolders(string prefix)
    {
        var tmp = TempDirectory.CreateChild(prefix, "tmp");
        foreach (var folder in TempFolders)
        {
            TempDirectory.CreateChild(tmp, folder);
        }
    }

    [GeneratedRegex(@"\{\{(?<name>[A-Z0-9_]+)\}\}")]
    private static partial Regex Placeholder();
}
