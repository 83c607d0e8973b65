using System.Net;

namespace Bridge.Integration.Tests.Stress;

/// <summary>
/// A request body that announces <paramref name="declaredLength"/> bytes, sends the first <paramref name="sent"/>
/// bytes and then stops, until the request is given up: a client that leaves mid-upload.
/// </summary>
internal sealed class StallingContent(byte[] sent, long declaredLength) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(sent, cancellationToken);
        await stream.FlushAsync(cancellationToken);
        await Task.Delay(Timeout.Infinite, cancellationToken); // the rest never comes: only the client's giving up ends this
    }

    protected override bool TryComputeLength(out long length)
    {
        length = declaredLength;
        return true;
    }
}
