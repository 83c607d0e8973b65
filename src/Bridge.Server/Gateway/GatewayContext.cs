using System.Globalization;
using System.IO.Pipelines;
using System.Net.WebSockets;
using Bridge.Protocol.Gateway;
using Bridge.Server.Connections;
using Bridge.Server.Logging;

namespace Bridge.Server.Gateway;

/// <summary>
/// One request and its response, handed to the <see cref="IGatewayApplication"/>.
/// </summary>
/// <remarks>
/// Ownership: a context belongs to one request from <c>Initialize</c> until its app task has completed and its
/// <c>OnCompleted</c> callbacks have run (and the access log line is written); only then may its connection reuse
/// it. Its variables, body and output are the request's own for all that time, even after the response has
/// reached the front end (a FastCGI END_REQUEST, a body at its Content-Length, <see cref="GatewayResponse.CompleteAsync"/>),
/// so a handler still running then, or an <c>OnCompleted</c> callback, reads its own request. A request abandoned at
/// its deadline is never reused: the app may still hold it. Do not keep a context after the app's task has completed.
/// An upgraded request (<see cref="UpgradeAsync"/>) lasts until the app's task completes: the stream it got is
/// detached then (later calls throw <see cref="ObjectDisposedException"/>), a WebSocket registered with
/// <see cref="RegisterWebSocket"/> is disposed, the access log line is written and the connection closes.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Contexts are pooled; the token source has no timer and is reset between requests.")]
public sealed class GatewayContext
{
    private CancellationTokenSource _aborted = new();
    private string? _traceIdentifier;
    private ushort _requestId;
    private long _connectionNumber;
    private string? _connectionId;
    private bool _upgradeLogged;

    internal GatewayContext(ServerContext server)
    {
        Server = server;
        Request = new GatewayRequest(this);
        Response = new GatewayResponse(this);
        Output = new ResponseOutput(this);
        Deadline = new RequestDeadline(server);
        Upgrade = new RequestTunnel(this);
    }

    /// <summary>The request.</summary>
    public GatewayRequest Request { get; }

    /// <summary>The response.</summary>
    public GatewayResponse Response { get; }

    /// <summary>
    /// Fires when the front end gives up on the request (nginx closes the connection when its client aborts;
    /// FastCGI's ABORT_REQUEST), when the request's deadline passes, or on <see cref="Abort"/>.
    /// </summary>
    public CancellationToken RequestAborted => _aborted.Token;

    /// <summary>The wire protocol of this request.</summary>
    public GatewayProtocol Gateway { get; private set; }

    /// <summary>The connection's identifier, as in the logs.</summary>
    public string ConnectionId => _connectionId ??= Connections.ConnectionIds.Format(_connectionNumber);

    /// <summary>Identifies the request in logs: connection id and request number.</summary>
    public string TraceIdentifier => _traceIdentifier ??= ConnectionId + ":" + _requestId.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// State a server adapter keeps with the context and reuses with it (Bridge.AspNetCore keeps its feature
    /// objects here). Apps leave it alone.
    /// </summary>
    public object? AdapterState { get; set; }

    /// <summary>
    /// True when the front end will tunnel this request's connection if the app upgrades it: it came over uwsgi
    /// (nginx's <c>uwsgi_pass</c> tunnels after a 101 when the client sent <c>Upgrade</c>), it carries an
    /// <c>Upgrade</c> header, and it has no body. Over FastCGI, which nginx never tunnels, it is false, and a
    /// request that asked for an upgrade there is logged (once) with the advice to use <c>uwsgi_pass</c>.
    /// </summary>
    public bool IsUpgradableRequest
    {
        get
        {
            if (!Request.Variables.TryGetValue("HTTP_UPGRADE"u8, out var upgrade) || upgrade.IsEmpty)
            {
                return false;
            }

            if (Gateway != GatewayProtocol.Uwsgi)
            {
                LogUpgradeOverFastCgi();
                return false;
            }

            return Request.ContentLength is null or 0 && Request.Variables.TransferEncoding.IsEmpty;
        }
    }

    /// <summary>True once <see cref="UpgradeAsync"/> has answered 101: the connection is the app's tunnel.</summary>
    public bool IsUpgraded => Upgrade.Stream is not null;

    /// <summary>
    /// Fires when the server's graceful stop tells upgraded connections to go away: upgraded connections are left to
    /// end on their own until <c>Bridge:Limits:ShutdownTimeout</c> is nearly over (all of it but min(5 s, half of it)),
    /// then this fires (WebSockets registered with <see cref="RegisterWebSocket"/> or accepted with
    /// <see cref="AcceptWebSocketAsync"/> are closed with 1001, Going Away), and what is still open when the timeout
    /// ends is cut. An app with another upgraded protocol says its goodbye here.
    /// </summary>
    public CancellationToken GoingAway => Server.GoingAway.Token;

    /// <summary>
    /// Upgrades the connection: answers <c>HTTP/1.1 101 Switching Protocols</c> with the response headers the app set
    /// (plus <c>Connection: Upgrade</c>, and <c>Upgrade</c> with the request's value when the app set none), then hands
    /// the raw connection over as a duplex stream. nginx (<c>uwsgi_pass</c>) relays bytes both ways from there until
    /// either side closes; the connection closes when the app's task completes. A read that waits takes no thread.
    /// From the 101 on, <c>Bridge:Limits:RequestTimeout</c>, the body limits and the data rates no longer apply (an
    /// idle WebSocket is no slow request); the access log line is written when the tunnel ends (status 101, the
    /// bytes sent through it, its whole duration), as nginx writes its own.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The request cannot be upgraded: it came over FastCGI (also logged: use <c>uwsgi_pass</c>), it has no
    /// <c>Upgrade</c> header (nginx would not tunnel), it has a body, the response has started, or the request ran
    /// past its deadline.
    /// </exception>
    public Task<Stream> UpgradeAsync() => RequestUpgrade.UpgradeAsync(this);

    /// <summary>
    /// The server side of a WebSocket handshake (RFC 6455) and <see cref="UpgradeAsync"/>: checks the request
    /// (GET, <c>Upgrade: websocket</c>, <c>Sec-WebSocket-Version: 13</c>, a valid <c>Sec-WebSocket-Key</c>; otherwise
    /// a <see cref="RequestRejectedException"/> with 400), answers 101 with <c>Sec-WebSocket-Accept</c> (and
    /// <c>Sec-WebSocket-Protocol</c> when <paramref name="subProtocol"/> is given), and returns the server's
    /// WebSocket, registered as by <see cref="RegisterWebSocket"/>.
    /// </summary>
    /// <param name="subProtocol">The subprotocol chosen from the client's <c>Sec-WebSocket-Protocol</c>, or null.</param>
    /// <param name="keepAliveInterval">
    /// How often the server pings an idle WebSocket; 30 s by default, half of nginx's <c>uwsgi_read_timeout</c>
    /// (60 s), which cuts a tunnel that carried nothing for that long.
    /// </param>
    public Task<WebSocket> AcceptWebSocketAsync(string? subProtocol = null, TimeSpan? keepAliveInterval = null)
        => RequestUpgrade.AcceptWebSocketAsync(this, subProtocol, keepAliveInterval);

    /// <summary>
    /// Puts a WebSocket made over this request's upgraded stream in the server's care: it is closed with 1001 (Going
    /// Away) when a graceful stop tells upgraded connections to go away (<see cref="GoingAway"/>), and disposed when
    /// the request ends. If the app returns without the WebSocket having sent a close frame once the stop has begun
    /// (<see cref="GoingAway"/>, or <paramref name="stopping"/>: the host's ApplicationStopping), the server sends the
    /// 1001 itself before the connection closes, so the client learns why. Bridge.AspNetCore registers the WebSockets
    /// ASP.NET Core's middleware accepts (SignalR drops its own at ApplicationStopping without a close frame).
    /// </summary>
    public void RegisterWebSocket(WebSocket webSocket, CancellationToken stopping = default)
    {
        ArgumentNullException.ThrowIfNull(webSocket);
        if (!IsUpgraded)
        {
            throw new InvalidOperationException("Only a WebSocket over this request's upgraded connection can be registered.");
        }

        Upgrade.Register(webSocket, stopping);
    }

    /// <summary>
    /// Ends the request now: its connection is cut and <see cref="RequestAborted"/> fires. A registered WebSocket that
    /// sent no close frame gets the server's 1001 first if the stop has begun (see <see cref="RegisterWebSocket"/>).
    /// </summary>
    public void Abort()
    {
        Upgrade.SayGoingAwayBeforeCut(); // ASP.NET Core aborts the request of a WebSocket that aborts

        CancelRequest();
        Channel.Abort("The application aborted the request.");
    }

    internal ServerContext Server { get; }

    internal IResponseChannel Channel { get; private set; } = null!;

    internal ResponseOutput Output { get; }

    internal RequestDeadline Deadline { get; }

    internal long StartTimestamp { get; private set; }

    /// <summary>The request's slot in the server's statistics (see <see cref="Metrics.ServerStatistics.BeginRequest"/>).</summary>
    internal int StatisticsSlot { get; set; }

    /// <summary>The upgraded connection's stream once the 101 went out; null otherwise.</summary>
    internal UpgradedStream? Tunnel => Upgrade.Stream;

    /// <summary>The tunnel of an upgraded request, and its WebSocket.</summary>
    internal RequestTunnel Upgrade { get; }

    internal PathBaseRule PathBaseRule => Server.PathBaseRule;

    /// <summary>The app ran past its deadline and was answered for; it may still run and hold this context.</summary>
    internal bool Abandoned { get; private set; }

    /// <summary>For an abandoned request: completes once its app has ended and its OnCompleted callbacks have run.</summary>
    internal Task AbandonedCompletion { get; private set; } = Task.CompletedTask;

    internal ResponseBodyWriter Writer => Response.Writer;

    internal bool ResponseClosed => Output.IsClosed;

    /// <summary>The request ended from outside, not by the app's fault: the front end left (or ABORT_REQUEST, or Abort()).</summary>
    internal bool FrontEndLeft => (RequestAborted.IsCancellationRequested || Output.FrontEndGone) && !Deadline.Expired;

    internal void Initialize(GatewayProtocol gateway, long connectionNumber, ushort requestId, GatewayVariables variables, PipeReader body, IResponseChannel channel)
    {
        Gateway = gateway;
        _connectionNumber = connectionNumber;
        _connectionId = null;
        _requestId = requestId;
        _traceIdentifier = null;
        Channel = channel;
        _upgradeLogged = false;
        Upgrade.Reset();
        Abandoned = false;
        AbandonedCompletion = Task.CompletedTask;
        Request.Reset(variables, body);
        Response.Reset();
        var isHead = variables.RequestMethod == "HEAD";
        Output.Reset(isHead);
        Writer.Reset(discard: isHead);
        if (!_aborted.TryReset())
        {
            _aborted.Dispose();
            _aborted = new CancellationTokenSource();
        }

        StartTimestamp = Server.Time.GetTimestamp();
        Deadline.Start(StartTimestamp);
    }

    /// <summary>Called by the connection once the request is over (see the remarks) and the context goes back to its pool.</summary>
    internal void Recycle() => Writer.ReturnBuffer();

    internal void CancelRequest()
    {
        try
        {
            _aborted.Cancel();
        }
        catch (AggregateException ex)
        {
            Server.ApplicationLogger.AbortCallbackFailed(TraceIdentifier, ex);
        }

        // A body read waiting for bytes (on an I/O thread, or asynchronously) returns at once.
        Request.Body.CancelPendingRead();
    }

    // Heartbeat: the per-request deadline passed (unless an upgrade stopped it first).
    internal void OnDeadline()
    {
        if (Deadline.Expire()) // before the token: an app that throws at once must still get its 504
        {
            CancelRequest();
        }
    }

    /// <summary>The 101 went out over <paramref name="tunnel"/>: from now on the connection is the app's.</summary>
    internal void OnUpgraded(UpgradedStream tunnel) => Upgrade.Open(tunnel);

    internal void LogUpgradeOverFastCgi()
    {
        if (!_upgradeLogged)
        {
            _upgradeLogged = true;
            Server.ApplicationLogger.UpgradeOverFastCgi(TraceIdentifier, LogValue.Escape(Request.GetHeader("Upgrade") ?? ""));
        }
    }

    /// <summary>The app is answered for but still runs: from now on nothing may reuse this context.</summary>
    internal void Abandon(Task application)
    {
        Abandoned = true;
        AbandonedCompletion = RequestExecution.FinishAbandonedAsync(this, application);
    }

    internal void ThrowIfResponseClosed() => Output.ThrowIfClosed();

    /// <summary>Runs the application, completes the response, then the OnCompleted callbacks; never throws.</summary>
    internal Task ExecuteAsync(IGatewayApplication application) => RequestExecution.ExecuteAsync(this, application);

    internal ValueTask<FlushResult> FlushResponseAsync(CancellationToken cancellationToken) => Output.FlushAsync(cancellationToken);

    internal ValueTask StartResponseAsync(CancellationToken cancellationToken) => Output.StartAsync(cancellationToken);

    internal ValueTask CompleteResponseAsync() => Output.CompleteAsync();
}
