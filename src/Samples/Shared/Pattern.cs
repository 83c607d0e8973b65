using System.IO.Pipelines;

namespace Bridge.Samples;

/// <summary>The Echo byte pattern: byte i of a body is i mod 251 (a prime, so chunk boundaries never align).</summary>
internal static class Pattern
{
    private const int Modulus = 251;
    private const int ChunkSize = 64 * 1024;

    /// <summary>Writes bytes [offset, offset + count) of the pattern in 64 KiB chunks, flushing each.</summary>
    public static async Task WriteAsync(PipeWriter body, long offset, long count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            var chunk = (int)Math.Min(count, ChunkSize);
            Fill(body.GetSpan(chunk)[..chunk], offset);
            body.Advance(chunk);
            offset += chunk;
            count -= chunk;

            // The last chunk too: Kestrel (10.0) leaves bytes advanced after an earlier flush unsent when the app
            // returns (/bytes/70000 stalls at 65,536 until its keep-alive timeout).
            var result = await body.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCompleted || result.IsCanceled)
            {
                return;
            }
        }
    }

    public static byte[] ToArray(int count)
    {
        var bytes = new byte[count];
        Fill(bytes, 0);
        return bytes;
    }

    private static void Fill(Span<byte> span, long offset)
    {
        var value = (int)(offset % Modulus);
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = (byte)value;
            if (++value == Modulus)
            {
                value = 0;
            }
        }
    }
}
