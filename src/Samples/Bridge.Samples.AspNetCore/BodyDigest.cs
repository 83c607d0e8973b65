using System.IO.Pipelines;
using System.Security.Cryptography;

namespace Bridge.Samples.AspNetCore;

/// <summary>Reads a request body to its end as a stream of buffers: its length and lower-case hex SHA-256.</summary>
internal static class BodyDigest
{
    public static async Task<(long Length, string Sha256)> ReadAsync(PipeReader body, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        while (true)
        {
            var result = await body.ReadAsync(cancellationToken).ConfigureAwait(false);
            foreach (var segment in result.Buffer)
            {
                hash.AppendData(segment.Span);
                length += segment.Length;
            }

            body.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        return (length, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
