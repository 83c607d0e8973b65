using System.Net.WebSockets;
using Bridge.Server.Gateway;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Bridge.AspNetCore;

/// <summary>
/// ASP.NET Core's own WebSocket handshake (the one <c>app.UseWebSockets()</c> and SignalR's endpoints set), with
/// each WebSocket it accepts registered with the gateway context: a graceful stop closes it with 1001 (Going Away)
/// before it cuts the connection, one its app drops without a close frame once the host is stopping (SignalR does,
/// at ApplicationStopping) gets its 1001 from the server, and it is disposed when the request ends.
/// </summary>
internal sealed class GoingAwayWebSocketFeature(IHttpWebSocketFeature handshake, GatewayContext context, CancellationToken stopping) : IHttpWebSocketFeature
{
    public bool IsWebSocketRequest => handshake.IsWebSocketRequest;

    public async Task<WebSocket> AcceptAsync(WebSocketAcceptContext acceptContext)
    {
        var webSocket = await handshake.AcceptAsync(acceptContext).ConfigureAwait(false);
        context.RegisterWebSocket(webSocket, stopping);
        return webSocket;
    }
}
