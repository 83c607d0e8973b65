using System.IO.Pipelines;
using Bridge.Protocol.Http;

namespace Bridge.Server.Gateway;

/// <summary>
/// How a response reaches the wire on one protocol. Calls between <see cref="AcquireAsync"/> and
/// <see cref="Release"/> are exclusive, so a multiplexed FastCGI connection or a timed-out request never
/// interleaves bytes with another writer.
/// </summary>
internal interface IResponseChannel
{
    ValueTask AcquireAsync(CancellationToken cancellationToken);

    void Release();

    /// <summary>Writes the head in one piece and returns its length.</summary>
    int WriteHead(int statusCode, string? reasonPhrase, ReadOnlySpan<ResponseHeader> headers);

    void WriteBody(ReadOnlySpan<byte> data);

    /// <summary>Marks the end of the response body in the protocol's way.</summary>
    void WriteEnd();

    ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken);

    /// <summary>Cuts the response so the front end cannot take a partial body for a whole one.</summary>
    void Abort(string reason);
}
