using System.Buffers;
using System.Net.WebSockets;

namespace Bridge.Samples;

/// <summary>
/// GET /ws of the Echo contract, once the WebSocket is accepted: every text or binary message goes back as the same
/// type (piece by piece as it arrives, so a 1 MiB message needs no 1 MiB buffer), and a close frame is answered with
/// a close frame; then the handler returns and the server closes the connection.
/// </summary>
internal static class WebSocketEcho
{
    private const int BufferSize = 16 * 1024;

    public static async Task RunAsync(WebSocket webSocket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var received = await webSocket.ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    if (webSocket.State == WebSocketState.CloseReceived)
                    {
                        // The client's close: answered with the same status (1000 when it gave none).
                        var status = webSocket.CloseStatus is { } given and not WebSocketCloseStatus.Empty ? given : WebSocketCloseStatus.NormalClosure;
                        await webSocket.CloseOutputAsync(status, webSocket.CloseStatusDescription, cancellationToken).ConfigureAwait(false);
                    }

                    return; // CloseSent before: the close was the server's (a stop's 1001), now answered
                }

                await webSocket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
