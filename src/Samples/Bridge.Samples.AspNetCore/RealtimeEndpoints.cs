using System.Net.WebSockets;

namespace Bridge.Samples.AspNetCore;

/// <summary>
/// GET /ws of the Echo contract on ASP.NET Core's WebSocket middleware, and the SignalR hub /hub/echo. Behind nginx
/// both need a uwsgi_pass location (FastCGI cannot tunnel); nothing in them is Bridge-specific.
/// </summary>
internal static class RealtimeEndpoints
{
    public static IEndpointRouteBuilder MapRealtime(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGetAndHead("/ws", WebSocketAsync);
        endpoints.MapHub<EchoHub>("/hub/echo");
        return endpoints;
    }

    // Not a WebSocket request (no Upgrade, or over FastCGI, where Bridge also logs that the location needs
    // uwsgi_pass): 400, as the native Echo answers.
    private static async Task WebSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            const string Answer = "not a websocket request\n";
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = Answer.Length;
            await context.Response.WriteAsync(Answer, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        using WebSocket webSocket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        await WebSocketEcho.RunAsync(webSocket, context.RequestAborted).ConfigureAwait(false);
    }
}
