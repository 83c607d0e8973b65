using System.Text;
using Bridge.Protocol.Gateway;

namespace Bridge.Testing;

/// <summary>A variable as bytes, copied out of a <see cref="GatewayVariables"/> or made for a request builder.</summary>
/// <param name="Name">The name's bytes.</param>
/// <param name="Value">The value's bytes.</param>
public readonly record struct RawVariable(byte[] Name, byte[] Value)
{
    /// <summary>A variable from strings whose characters are bytes (Latin-1).</summary>
    public static RawVariable Of(string name, string value) => new(Encoding.Latin1.GetBytes(name), Encoding.Latin1.GetBytes(value));

    /// <summary>Copies every variable of <paramref name="variables"/>, in order.</summary>
    public static List<RawVariable> CopyAll(GatewayVariables variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var copy = new List<RawVariable>(variables.Count);
        for (var i = 0; i < variables.Count; i++)
        {
            copy.Add(new RawVariable(variables.GetName(i).ToArray(), variables.GetValue(i).ToArray()));
        }

        return copy;
    }

    /// <summary>True when both lists hold the same bytes in the same order.</summary>
    public static bool SequenceEqual(IReadOnlyList<RawVariable> left, IReadOnlyList<RawVariable> right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (left.Count != right.Count)
        {
            return false;
        }

        for (var i = 0; i < left.Count; i++)
        {
            if (!left[i].Name.AsSpan().SequenceEqual(right[i].Name) || !left[i].Value.AsSpan().SequenceEqual(right[i].Value))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Encoding.Latin1.GetString(Name)}={Encoding.Latin1.GetString(Value)}";
}
