using System.Text.Json.Nodes;

namespace Bridge.Testing;

/// <summary>
/// Finds the repository's <c>protocol-spec/vectors</c> (walking up from the test binaries to the folder holding
/// <c>Bridge.sln</c>) and loads its vectors from <c>{uwsgi,fastcgi}/{valid,invalid,captures}</c>.
/// </summary>
public static class VectorFiles
{
    /// <summary>The protocol folders.</summary>
    public static readonly IReadOnlyList<string> Protocols = ["uwsgi", "fastcgi"];

    /// <summary>The kinds of vector, each a folder under a protocol.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["valid", "invalid", "captures"];

    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The absolute path of <c>protocol-spec/vectors</c>.</summary>
    public static string Root => RootPath.Value;

    /// <summary>Every input file (<c>.hex</c> or <c>.bin</c>) by name (see <see cref="Vector.Name"/>), sorted.</summary>
    public static IReadOnlyList<string> Names()
    {
        var names = new List<string>();
        foreach (var protocol in Protocols)
        {
            foreach (var kind in Kinds)
            {
                var folder = Path.Combine(Root, protocol, kind);
                if (!Directory.Exists(folder))
                {
                    continue;
                }

                foreach (var path in Directory.EnumerateFiles(folder))
                {
                    if (IsInput(path))
                    {
                        names.Add($"{protocol}/{kind}/{Path.GetFileName(path)}");
                    }
                }
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Loads the vector called <paramref name="name"/>.</summary>
    /// <exception cref="FileNotFoundException">The input has no <c>.json</c> beside it.</exception>
    public static Vector Load(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var path = Path.Combine(Root, name.Replace('/', Path.DirectorySeparatorChar));
        var bytes = path.EndsWith(".hex", StringComparison.Ordinal) ? ParseHexFile(path) : File.ReadAllBytes(path);
        var jsonPath = Path.ChangeExtension(path, ".json");
        if (!File.Exists(jsonPath))
        {
            throw new FileNotFoundException($"The vector {name} has no expectation: {jsonPath} is missing.", jsonPath);
        }

        var expectation = JsonNode.Parse(File.ReadAllText(jsonPath)) as JsonObject
            ?? throw new InvalidDataException($"{jsonPath} does not hold a JSON object.");
        return new Vector(name, bytes, expectation);
    }

    /// <summary>Loads every vector.</summary>
    public static IEnumerable<Vector> LoadAll() => Names().Select(Load);

    /// <summary>True for a vector input file.</summary>
    public static bool IsInput(string path) => path.EndsWith(".hex", StringComparison.Ordinal) || path.EndsWith(".bin", StringComparison.Ordinal);

    private static byte[] ParseHexFile(string path)
    {
        try
        {
            return HexVector.Parse(File.ReadAllText(path));
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Bridge.sln")))
            {
                return Path.Combine(directory.FullName, "protocol-spec", "vectors");
            }
        }

        throw new DirectoryNotFoundException($"No folder above {AppContext.BaseDirectory} holds Bridge.sln, so protocol-spec/vectors cannot be found.");
    }
}
