using System.Net.WebSockets;
using Bridge.Server.Connections;

namespace Bridge.Server.Gateway;

/// <summary>
/// What an upgraded request holds besides its context: the tunnel's stream (from the 101 until the app's task
/// completes) and the WebSocket registered over it, which a graceful stop closes with 1001, or which gets the server's
/// own 1001 if its app drops it without a close frame once the stop has begun. Reset with its context.
/// </summary>
internal sealed class RequestTunnel(GatewayContext context)
{
    private WebSocket? _webSocket;
    private CancellationTokenRegistration _goingAwayRegistration;
    private CancellationToken _stopping;

    /// <summary>The upgraded connection's stream once the 101 went out; null otherwise.</summary>
    public UpgradedStream? Stream { get; private set; }

    public void Reset()
    {
        Stream = null;
        _webSocket = null;
        _stopping = default;
        _goingAwayRegistration = default;
    }

    public void Open(UpgradedStream stream) => Stream = stream;

    public void Register(WebSocket webSocket, CancellationToken stopping)
    {
        _goingAwayRegistration.Dispose();
        _webSocket = webSocket;
        _stopping = stopping;
        _goingAwayRegistration = context.GoingAway.UnsafeRegister(static state => RequestUpgrade.GoAway((WebSocket)state!), webSocket);
    }

    /// <summary>Before an abort cuts the connection: a dropped WebSocket's 1001, if the socket takes it at once.</summary>
    public void SayGoingAwayBeforeCut()
    {
        if (ShouldSayGoingAway(out var stream))
        {
            stream.TrySendLastBeforeCut(RequestUpgrade.GoingAwayFrame.Span);
        }
    }

    /// <summary>The app's task completed: a dropped WebSocket's 1001, then nothing of the request may reach the connection.</summary>
    public async ValueTask EndAsync()
    {
        if (ShouldSayGoingAway(out var stream))
        {
            try
            {
                await stream.SendLastAsync(RequestUpgrade.GoingAwayFrame).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The connection is going anyway.
            }
        }

        _goingAwayRegistration.Dispose();
        _goingAwayRegistration = default;
        _webSocket?.Dispose(); // stops its keep-alive timer; a WebSocket the app closed stays closed
        _webSocket = null;
        Stream?.Detach();
    }

    // A registered WebSocket that sent no close frame, on a connection still there, once the stop has begun.
    private bool ShouldSayGoingAway([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out UpgradedStream? stream)
    {
        stream = Stream;
        return _webSocket is not null && stream is { CloseFrameSent: false } && !context.RequestAborted.IsCancellationRequested
            && (context.GoingAway.IsCancellationRequested || _stopping.IsCancellationRequested);
    }
}
