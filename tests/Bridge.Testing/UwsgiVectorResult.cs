using System.Text.Json.Nodes;

namespace Bridge.Testing;

/// <summary>What a uwsgi connection's bytes decoded to, in the shape of a valid uwsgi vector's expectation.</summary>
public sealed class UwsgiVectorResult
{
    /// <summary>The header's modifier1.</summary>
    public required byte Modifier1 { get; init; }

    /// <summary>The header's modifier2.</summary>
    public required byte Modifier2 { get; init; }

    /// <summary>The variables in arrival order.</summary>
    public required IReadOnlyList<RawVariable> Variables { get; init; }

    /// <summary>CONTENT_LENGTH as the reader reported it.</summary>
    public required long? ContentLength { get; init; }

    /// <summary>The body bytes the input held (at most CONTENT_LENGTH).</summary>
    public required byte[] Body { get; init; }

    /// <summary>Bytes after the body.</summary>
    public required long TrailingBytes { get; init; }

    /// <summary>The expectation-format object.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["modifier1"] = Modifier1,
            ["modifier2"] = Modifier2,
            ["variables"] = VectorJson.Variables(Variables),
            ["contentLength"] = ContentLength,
            ["bodyLength"] = Body.Length,
            ["bodySha256"] = VectorJson.Sha256(Body),
        };
        if (TrailingBytes > 0)
        {
            json["trailingBytes"] = TrailingBytes;
        }

        return json;
    }
}
