using System.Text.Json.Nodes;
using Bridge.Protocol;

namespace Bridge.Testing;

/// <summary>One vector: the input bytes and the expectation <c>.json</c> beside them.</summary>
/// <param name="Name">The path under <c>protocol-spec/vectors</c> with '/' separators, e.g. <c>uwsgi/valid/001-minimal-get.hex</c>.</param>
/// <param name="Bytes">The connection's bytes; end of input follows the last one.</param>
/// <param name="Expectation">The whole <c>.json</c>, including <c>comment</c> and <c>limits</c>.</param>
public sealed record Vector(string Name, byte[] Bytes, JsonObject Expectation)
{
    /// <summary>"uwsgi" or "fastcgi".</summary>
    public string Protocol => Name[..Name.IndexOf('/', StringComparison.Ordinal)];

    /// <summary>"valid", "invalid" or "captures".</summary>
    public string Kind => Name.Split('/')[1];

    /// <summary>The limits the decoder runs with: the defaults, overridden by the <c>limits</c> field.</summary>
    public ProtocolLimits Limits
    {
        get
        {
            var limits = new ProtocolLimits();
            if (Expectation["limits"] is not JsonObject given)
            {
                return limits;
            }

            foreach (var (key, value) in given)
            {
                var number = value!.GetValue<int>();
                limits = key switch
                {
                    "maxVarsBlockSize" => limits with { MaxVarsBlockSize = number },
                    "maxVariables" => limits with { MaxVariables = number },
                    "maxParamsSize" => limits with { MaxParamsSize = number },
                    "maxMultiplexedRequests" => limits with { MaxMultiplexedRequests = number },
                    _ => throw new InvalidDataException($"{Name}: unknown limit '{key}'."),
                };
            }

            return limits;
        }
    }

    /// <summary>The error an invalid vector must produce, or null for a vector that must decode.</summary>
    public ProtocolError? ExpectedError
        => Expectation["error"] is JsonNode error ? Enum.Parse<ProtocolError>(error.GetValue<string>()) : null;

    /// <summary>The expected result: the expectation without <c>comment</c> and <c>limits</c>.</summary>
    public JsonObject ExpectedResult
    {
        get
        {
            var result = (JsonObject)Expectation.DeepClone();
            result.Remove("comment");
            result.Remove("limits");
            return result;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
