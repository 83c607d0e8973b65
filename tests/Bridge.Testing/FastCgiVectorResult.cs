using System.Text.Json.Nodes;
using Bridge.Protocol.FastCgi;

namespace Bridge.Testing;

/// <summary>What a FastCGI connection's bytes decoded to, in the shape of a valid FastCGI vector's expectation.</summary>
public sealed class FastCgiVectorResult
{
    /// <summary>Accepted requests in BEGIN_REQUEST order.</summary>
    public List<FastCgiRequestResult> Requests { get; } = [];

    /// <summary>The pairs of every GET_VALUES record, in order.</summary>
    public List<RawVariable> GetValues { get; } = [];

    /// <summary>The type of each management record answered with UNKNOWN_TYPE.</summary>
    public List<byte> UnknownTypes { get; } = [];

    /// <summary>The id of each ABORT_REQUEST for an active request.</summary>
    public List<ushort> Aborted { get; } = [];

    /// <summary>Each refused BEGIN_REQUEST.</summary>
    public List<(ushort RequestId, FastCgiProtocolStatus Status)> Rejected { get; } = [];

    /// <summary>The expectation-format object; the optional lists are left out when empty.</summary>
    public JsonObject ToJson()
    {
        var requests = new JsonArray();
        foreach (var request in Requests)
        {
            requests.Add(request.ToJson());
        }

        var json = new JsonObject { ["requests"] = requests };
        if (GetValues.Count > 0)
        {
            json["getValues"] = VectorJson.Variables(GetValues);
        }

        if (UnknownTypes.Count > 0)
        {
            json["unknownTypes"] = new JsonArray([.. UnknownTypes.Select(t => (JsonNode)(int)t)]);
        }

        if (Aborted.Count > 0)
        {
            json["aborted"] = new JsonArray([.. Aborted.Select(id => (JsonNode)(int)id)]);
        }

        if (Rejected.Count > 0)
        {
            var rejected = new JsonArray();
            foreach (var (requestId, status) in Rejected)
            {
                rejected.Add(new JsonObject { ["requestId"] = requestId, ["protocolStatus"] = status.ToString() });
            }

            json["rejected"] = rejected;
        }

        return json;
    }
}
