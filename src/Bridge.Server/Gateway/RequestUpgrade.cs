using System.Net.WebSockets;
using Bridge.Server.Metrics;

namespace Bridge.Server.Gateway;

/// <summary>
/// Upgrades a request (<see cref="GatewayContext.UpgradeAsync"/>): what may be upgraded, the 101 and the hand-over
/// of the connection, the WebSocket handshake on top, and the 1001 a graceful stop sends to registered WebSockets.
/// </summary>
internal static class RequestUpgrade
{
    private static readonly TimeSpan DefaultKeepAliveInterval = TimeSpan.FromSeconds(30); // half of nginx's uwsgi_read_timeout

    /// <summary>A server's close frame (RFC 6455 section 5.5.1, unmasked): FIN + close, 2 bytes of payload, status 1001.</summary>
    public static readonly ReadOnlyMemory<byte> GoingAwayFrame = new byte[] { 0x88, 0x02, 0x03, 0xE9 };

    public static async Task<Stream> UpgradeAsync(GatewayContext context)
    {
        ThrowIfNotUpgradable(context);
        if (context.Channel is not IUpgradableChannel channel)
        {
            throw new InvalidOperationException("This connection cannot be upgraded.");
        }

        if (context.Writer.BytesWritten > 0)
        {
            throw new InvalidOperationException("A response that is upgraded has no body: nothing may be written before the upgrade.");
        }

        context.Response.StatusCode = 101;
        if (!await context.Output.UpgradeAsync().ConfigureAwait(false))
        {
            throw new IOException("The front end closed the connection before the upgrade.");
        }

        var tunnel = channel.Upgrade();
        context.OnUpgraded(tunnel);
        var server = context.Server;
        server.Statistics.Upgrade(context.StatisticsSlot, server.Time.GetTimestamp() - context.StartTimestamp);
        if (ServerMetrics.UpgradedConnections.Enabled)
        {
            ServerMetrics.UpgradedConnections.Add(1);
        }

        return tunnel;
    }

    public static async Task<WebSocket> AcceptWebSocketAsync(GatewayContext context, string? subProtocol, TimeSpan? keepAliveInterval)
    {
        ThrowIfNotUpgradable(context); // FastCGI, or no Upgrade: the same refusal as UpgradeAsync, before the handshake's own checks
        var key = WebSocketHandshake.Validate(context.Request);
        var headers = context.Response.Headers;
        headers.Set("Upgrade", "websocket");
        headers.Set("Connection", "Upgrade");
        headers.Set("Sec-WebSocket-Accept", WebSocketHandshake.Accept(key));
        if (subProtocol is not null)
        {
            headers.Set("Sec-WebSocket-Protocol", subProtocol);
        }

        var stream = await UpgradeAsync(context).ConfigureAwait(false);
        var webSocket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions
        {
            IsServer = true,
            SubProtocol = subProtocol,
            KeepAliveInterval = keepAliveInterval ?? DefaultKeepAliveInterval,
        });
        context.RegisterWebSocket(webSocket);
        return webSocket;
    }

    /// <summary>The stop's going-away moment: an open WebSocket is closed with 1001; the app's receive then sees the client's close.</summary>
    public static void GoAway(WebSocket webSocket)
    {
        if (webSocket.State == WebSocketState.Open)
        {
            _ = CloseAsync(webSocket);
        }
    }

    public static void ThrowIfNotUpgradable(GatewayContext context)
    {
        var request = context.Request;
        if (!request.Variables.TryGetValue("HTTP_UPGRADE"u8, out var upgrade) || upgrade.IsEmpty)
        {
            throw new InvalidOperationException(
                "The request has no Upgrade header, so it cannot be upgraded: nginx tunnels a 101 only for a client that asked for it (check IsUpgradableRequest first).");
        }

        if (context.Gateway != GatewayProtocol.Uwsgi)
        {
            context.LogUpgradeOverFastCgi();
            throw new InvalidOperationException(
                "A request over FastCGI cannot be upgraded: nginx's fastcgi_pass never tunnels. Send WebSocket locations to uwsgi_pass.");
        }

        if (!context.IsUpgradableRequest)
        {
            throw new InvalidOperationException("A request with a body cannot be upgraded.");
        }

        if (context.IsUpgraded)
        {
            throw new InvalidOperationException("The request has already been upgraded.");
        }

        context.Response.ThrowIfStarted();
    }

    private static async Task CloseAsync(WebSocket webSocket)
    {
        try
        {
            await webSocket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "The server is stopping.", CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // Closed or broken meanwhile (by the app, the client or the front end): nothing left to say.
        }
    }
}
