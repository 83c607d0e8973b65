using System.Text;
using Bridge.Protocol.Http;
using Bridge.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace Bridge.Protocol.Tests;

/// <summary>Generators shared by the property tests.</summary>
internal static class Generators
{
    private static readonly byte[][] CommonNames =
    [
        "HTTP_COOKIE"u8.ToArray(), "HTTP_X_DUP"u8.ToArray(), "QUERY_STRING"u8.ToArray(), "X"u8.ToArray(), [0x63, 0x61, 0x66, 0xE9], [0xFF],
    ];

    public static Gen<byte> Byte => Gen.Choose(0, 255).Select(b => (byte)b);

    public static Gen<byte[]> Bytes(int min, int max) => Gen.Choose(min, max).SelectMany(n => Gen.ArrayOf(Byte, n));

    // Names: non-empty random bytes (any byte, incl. non-ASCII), or one from a small pool so duplicates happen.
    public static Gen<byte[]> Name => Gen.Frequency(
        (3, Bytes(1, 40).Where(n => !IsReserved(n))),
        (2, Gen.Elements(CommonNames)));

    // Values: often short, sometimes empty, sometimes 128+ bytes (FastCGI's 4-byte length form).
    public static Gen<byte[]> Value(int longMax) => Gen.Frequency(
        (2, Gen.Constant(Array.Empty<byte>())),
        (5, Bytes(1, 127)),
        (2, Bytes(128, longMax)));

    /// <summary>Random variables with REQUEST_METHOD and CONTENT_LENGTH (the body's length) at random places.</summary>
    public static Gen<(List<RawVariable> Variables, byte[] Body)> Request(int maxVariables, int longValueMax, int maxBody) =>
        from count in Gen.Choose(0, maxVariables)
        from pairs in Gen.ListOf(Gen.Zip(Name, Value(longValueMax)), count)
        from body in Gen.Frequency((1, Gen.Constant(Array.Empty<byte>())), (4, Bytes(1, maxBody)))
        from methodAt in Gen.Choose(0, pairs.Count)
        from lengthAt in Gen.Choose(0, pairs.Count + 1)
        from method in Gen.Elements("GET", "POST", "PUT", "PROPFIND")
        select (Compose(pairs, methodAt, lengthAt, method, body.Length), body);

    /// <summary>Cut points for a stream of <paramref name="length"/> bytes (0..8 of them).</summary>
    public static Gen<int[]> Cuts(int length) => Gen.ArrayOf(Gen.Choose(0, length), 8).SelectMany(all => Gen.Choose(0, all.Length).Select(n => all[..n]));

    public static Gen<string> Token => Gen.Choose(1, 20).SelectMany(n => Gen.ArrayOf(Gen.Elements("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".ToCharArray()), n))
        .Select(chars => new string(chars));

    // Latin-1 without CR, LF, NUL.
    public static Gen<string> FieldValue => Gen.Choose(0, 60)
        .SelectMany(n => Gen.ArrayOf(Gen.Choose(1, 255).Where(c => c is not '\r' and not '\n').Select(c => (char)c), n))
        .Select(chars => new string(chars));

    public static Gen<ResponseHeader[]> Headers => Gen.ArrayOf(Gen.Zip(Token, FieldValue).Select(p => new ResponseHeader(p.Item1, p.Item2)))
        .Select(h => h.Length > 30 ? h[..30] : h);

    private static bool IsReserved(byte[] name)
        => name.AsSpan().SequenceEqual("REQUEST_METHOD"u8) || name.AsSpan().SequenceEqual("CONTENT_LENGTH"u8);

    private static List<RawVariable> Compose(IEnumerable<(byte[] Name, byte[] Value)> pairs, int methodAt, int lengthAt, string method, int bodyLength)
    {
        var variables = pairs.Select(p => new RawVariable(p.Name, p.Value)).ToList();
        variables.Insert(methodAt, RawVariable.Of("REQUEST_METHOD", method));
        variables.Insert(Math.Min(lengthAt, variables.Count), new RawVariable("CONTENT_LENGTH"u8.ToArray(), Encoding.ASCII.GetBytes(bodyLength.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        return variables;
    }
}
