using System.Diagnostics;

namespace Bridge.Integration.Tests.Http;

/// <summary>A response body read to its end, with the times (on the caller's clock) its first byte and its end arrived.</summary>
internal sealed record TimedBody(byte[] Body, TimeSpan? FirstByte, TimeSpan End)
{
    /// <summary>
    /// Reads the body of <paramref name="response"/> (sent with <see cref="HttpCompletionOption.ResponseHeadersRead"/>)
    /// as it arrives, up to one byte more than the <paramref name="expected"/> length, so a longer body shows.
    /// </summary>
    public static async Task<TimedBody> ReadAsync(HttpResponseMessage response, Stopwatch clock, int expected, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var body = new byte[expected + 1];
        var received = 0;
        TimeSpan? firstByte = null;
        int read;
        while ((read = await stream.ReadAsync(body.AsMemory(received), cancellationToken)) > 0)
        {
            firstByte ??= clock.Elapsed;
            received += read;
        }

        return new TimedBody(body[..received], firstByte, clock.Elapsed);
    }
}
