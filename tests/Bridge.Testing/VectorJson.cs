using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bridge.Testing;

/// <summary>Pieces of the expectation format shared by both drivers' results.</summary>
public static class VectorJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary><c>[[name, value], ...]</c> with bytes read as Latin-1.</summary>
    public static JsonArray Variables(IEnumerable<RawVariable> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var array = new JsonArray();
        foreach (var variable in variables)
        {
            array.Add(new JsonArray(Encoding.Latin1.GetString(variable.Name), Encoding.Latin1.GetString(variable.Value)));
        }

        return array;
    }

    /// <summary>Lower-case hex SHA-256.</summary>
    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>
    /// Structural equality, by way of text: both sides are re-parsed so numbers compare by value however they
    /// were built (a <c>long</c> node and a parsed one).
    /// </summary>
    public static bool StructurallyEqual(JsonNode? expected, JsonNode? actual)
        => JsonNode.DeepEquals(Reparse(expected), Reparse(actual));

    /// <summary>Readable, indented text for failure messages.</summary>
    public static string Show(JsonNode? node) => node?.ToJsonString(Indented) ?? "null";

    private static JsonNode? Reparse(JsonNode? node) => node is null ? null : JsonNode.Parse(node.ToJsonString());
}
