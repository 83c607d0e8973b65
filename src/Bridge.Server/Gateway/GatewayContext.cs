using System.Globalization;
using System.IO.Pipelines;
using Bridge.Protocol.Gateway;
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
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Contexts are pooled; the token source has no timer and is reset between requests.")]
public sealed class GatewayContext
{
    private CancellationTokenSource _aborted = new();
    private string? _traceIdentifier;
    private ushort _requestId;
    private long _connectionNumber;
    private string? _connectionId;

    internal GatewayContext(ServerContext server)
    {
        Server = server;
        Request = new GatewayRequest(this);
        Response = new GatewayResponse(this);
        Output = new ResponseOutput(this);
        Deadline = new RequestDeadline(server);
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

    /// <summary>Ends the request now: its connection is cut and <see cref="RequestAborted"/> fires.</summary>
    public void Abort()
    {
        CancelRequest();
        Channel.Abort("The application aborted the request.");
    }

    internal ServerContext Server { get; }

    internal IResponseChannel Channel { get; private set; } = null!;

    internal ResponseOutput Output { get; }

    internal RequestDeadline Deadline { get; }

    internal long StartTimestamp { get; private set; }

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

    // Heartbeat: the per-request deadline passed.
    internal void OnDeadline()
    {
        Deadline.Expire(); // before the token: an app that throws at once must still get its 504
        CancelRequest();
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
