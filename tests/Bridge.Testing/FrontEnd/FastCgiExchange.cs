using Xunit;

namespace Bridge.Testing.FrontEnd;

/// <summary>The records of one exchange, with helpers for one request id.</summary>
public sealed class FastCgiExchange(List<FastCgiRecord> records)
{
    public List<FastCgiRecord> Records { get; } = records;

    public FastCgiRecord? EndRequestFor(ushort requestId) => Records.LastOrDefault(r => r.Type == FastCgiWire.EndRequest && r.RequestId == requestId);

    public byte[] Stdout(ushort requestId = 1) => [.. Records.Where(r => r.Type == FastCgiWire.Stdout && r.RequestId == requestId).SelectMany(r => r.Content)];

    public WireResponse Response(ushort requestId = 1) => WireResponse.ParseCgi(Stdout(requestId));

    /// <summary>
    /// The framing nginx needs: non-empty STDOUT records, one empty STDOUT, then END_REQUEST(0, REQUEST_COMPLETE)
    /// as the last record of the request, all on <paramref name="requestId"/>.
    /// </summary>
    public void AssertWellFramed(ushort requestId = 1)
    {
        var mine = Records.Where(r => r.RequestId == requestId).ToList();
        Assert.NotEmpty(mine);
        Assert.All(mine, r => Assert.Equal(1, r.Version));
        var end = mine[^1];
        Assert.Equal(FastCgiWire.EndRequest, end.Type);
        Assert.Equal(0u, end.AppStatus);
        Assert.Equal(FastCgiWire.RequestComplete, end.ProtocolStatus);
        var emptyStdout = mine[^2];
        Assert.Equal(FastCgiWire.Stdout, emptyStdout.Type);
        Assert.Empty(emptyStdout.Content);
        Assert.All(mine.SkipLast(2), r =>
        {
            Assert.Equal(FastCgiWire.Stdout, r.Type);
            Assert.NotEmpty(r.Content);
        });
        Assert.Single(mine, r => r.Type == FastCgiWire.EndRequest);
    }
}
