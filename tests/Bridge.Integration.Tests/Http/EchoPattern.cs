using System.Security.Cryptography;

namespace Bridge.Integration.Tests.Http;

/// <summary>Echo's body pattern (byte i = i mod 251), checked and hashed without holding a whole body.</summary>
internal static class EchoPattern
{
    private const int Modulus = 251;

    // 251 * 261 bytes: the pattern repeats from 0 at the start of every block.
    private static readonly byte[] Block = Enumerable.Range(0, Modulus * 261).Select(i => (byte)(i % Modulus)).ToArray();

    public static byte At(long index) => (byte)(index % Modulus);

    /// <summary>Index of the first byte of <paramref name="bytes"/> (starting at body offset <paramref name="offset"/>) that breaks the pattern, or -1.</summary>
    public static long FirstMismatch(ReadOnlySpan<byte> bytes, long offset)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != At(offset + i))
            {
                return offset + i;
            }
        }

        return -1;
    }

    public static string Sha256(long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var remaining = length; remaining > 0; remaining -= Block.Length)
        {
            hash.AppendData(Block, 0, (int)Math.Min(remaining, Block.Length));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
