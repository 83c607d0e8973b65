using System.Text.Json.Nodes;

namespace Bridge.Testing;

/// <summary>One accepted FastCGI request as the decoder reported it.</summary>
public sealed class FastCgiRequestResult
{
    /// <summary>The request id.</summary>
    public required ushort RequestId { get; init; }

    /// <summary>The role (always 1, Responder, for an accepted request).</summary>
    public required int Role { get; init; }

    /// <summary>FCGI_KEEP_CONN.</summary>
    public required bool KeepConnection { get; init; }

    /// <summary>The variables from ParamsComplete; null until the PARAMS stream ended.</summary>
    public IReadOnlyList<RawVariable>? Variables { get; set; }

    /// <summary>CONTENT_LENGTH as the decoder's variables reported it.</summary>
    public long? ContentLength { get; set; }

    /// <summary>The concatenated STDIN content.</summary>
    public List<byte> Body { get; } = [];

    /// <summary>The empty STDIN record arrived.</summary>
    public bool StdinComplete { get; set; }

    /// <summary>The expectation-format object.</summary>
    public JsonObject ToJson() => new()
    {
        ["requestId"] = RequestId,
        ["role"] = Role,
        ["keepConn"] = KeepConnection,
        ["variables"] = Variables is null ? null : VectorJson.Variables(Variables),
        ["contentLength"] = ContentLength,
        ["bodyLength"] = Body.Count,
        ["bodySha256"] = VectorJson.Sha256(Body.ToArray()),
        ["stdinComplete"] = StdinComplete,
    };
}
