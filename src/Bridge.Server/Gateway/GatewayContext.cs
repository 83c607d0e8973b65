using System.Globalization;
using System.IO.Pipelines;
using Bridge.Protocol.Gateway;
using Bridge.Protocol.Http;
using Bridge.Server.Logging;
using Bridge.Server.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bridge.Server.Gateway;

/// <summary>
/// One request and its response, handed to the <see cref="IGatewayApplication"/>. Contexts are reused from
/// request to request: do not keep one after the application's task has completed.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Contexts are pooled; the token source has no timer and is reset between requests.")]
public sealed class GatewayContext
{
    private static int s_headWarningLogged;
    private static readonly ResponseHeader[] EmptyLengthHeader = [new("Content-Length", "0")];

    private readonly ServerContext _server;
    private CancellationTokenSource _aborted = new();
    private IResponseChannel _channel = null!;
    private bool _responseClosed;
    private bool _completedAtLength;
    private bool _suppressBody;
    private bool _isHead;
    private string? _traceIdentifier;
    private ushort _requestId;
    private long _connectionNumber;
    private string? _connectionId;
    private TaskCompletionSource? _deadlineReached;
    private bool _deadlineExpired;
    private bool _frontEndGone; // a flush found the connection closed
    private int _statisticsSlot;

    internal GatewayContext(ServerContext server)
    {
        _server = server;
        Request = new GatewayRequest(this);
        Response = new GatewayResponse(this);
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

    /// <summary>Ends the request now: its connection is cut and <see cref="RequestAborted"/> fires.</summary>
    public void Abort()
    {
        CancelRequest();
        _channel.Abort("The application aborted the request.");
    }

    /// <summary>Per-context state of a server adapter (the ASP.NET Core features), reused with the context.</summary>
    internal object? AdapterState { get; set; }

    internal long StartTimestamp { get; private set; }

    internal long Deadline { get; private set; } = long.MaxValue;

    internal bool Abandoned { get; private set; }

    internal bool ResponseClosed => _responseClosed;

    internal ResponseBodyWriter Writer => Response.Writer;

    internal void Initialize(GatewayProtocol gateway, long connectionNumber, ushort requestId, GatewayVariables variables, PipeReader body, IResponseChannel channel)
    {
        Gateway = gateway;
        _connectionNumber = connectionNumber;
        _connectionId = null;
        _requestId = requestId;
        _traceIdentifier = null;
        _channel = channel;
        _responseClosed = false;
        _completedAtLength = false;
        _frontEndGone = false;
        _suppressBody = false;
        Request.Reset(variables, body);
        Response.Reset();
        _isHead = variables.RequestMethod == "HEAD";
        Writer.Reset(discard: _isHead);
        if (!_aborted.TryReset())
        {
            _aborted.Dispose();
            _aborted = new CancellationTokenSource();
        }

        StartTimestamp = _server.Time.GetTimestamp();
        Deadline = long.MaxValue;
        _deadlineReached = null;
        _deadlineExpired = false;
        if (_server.RequestTimeoutTicks is { } timeout)
        {
            Deadline = StartTimestamp + timeout;
            _deadlineReached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Called by the connection when the request is over and the context goes back to the pool.</summary>
    internal void Recycle() => Writer.ReturnBuffer();

    internal void CancelRequest()
    {
        try
        {
            _aborted.Cancel();
        }
        catch (AggregateException ex)
        {
            _server.ApplicationLogger.AbortCallbackFailed(TraceIdentifier, ex);
        }
    }

    // Heartbeat: the per-request deadline passed.
    internal void OnDeadline()
    {
        Deadline = long.MaxValue;
        _deadlineExpired = true;
        _deadlineReached?.TrySetResult(); // before the token: an app that throws at once must still get its 504
        CancelRequest();
    }

    internal void ThrowIfResponseClosed()
    {
        if (_responseClosed)
        {
            throw new InvalidOperationException("The response has already completed.");
        }
    }

    /// <summary>Runs the application, completes the response, then the OnCompleted callbacks; never throws.</summary>
    internal async Task ExecuteAsync(IGatewayApplication application)
    {
        _statisticsSlot = _server.Statistics.BeginRequest(StartTimestamp);
        var method = ServerMetrics.ActiveRequests.Enabled || ServerMetrics.RequestDuration.Enabled ? Request.Method : null;
        var active = method is not null && ServerMetrics.ActiveRequests.Enabled;
        if (active)
        {
            ServerMetrics.RequestStarted(method!, Gateway);
        }

        try
        {
            await RunApplicationAsync(application).ConfigureAwait(false);
            if (!Abandoned && await Response.RunOnCompletedAsync().ConfigureAwait(false) is { } failure)
            {
                _server.ApplicationLogger.UnhandledException(TraceIdentifier, failure);
            }
        }
        finally
        {
            var elapsed = _server.Time.GetTimestamp() - StartTimestamp;
            _server.Statistics.EndRequest(_statisticsSlot, elapsed);
            if (active)
            {
                ServerMetrics.RequestEnded(method!, Gateway);
            }

            if (method is not null && ServerMetrics.RequestDuration.Enabled)
            {
                ServerMetrics.RecordDuration((double)elapsed / _server.Time.TimestampFrequency, method, Response.StatusCode, Gateway);
            }
        }
    }

    private async Task RunApplicationAsync(IGatewayApplication application)
    {
        try
        {
            var task = application.ProcessAsync(this);
            if (!task.IsCompleted && _deadlineReached is { } deadline
                && await Task.WhenAny(task, deadline.Task).ConfigureAwait(false) != task)
            {
                await OnTimedOutAsync(task).ConfigureAwait(false);
                return;
            }

            await task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await OnApplicationErrorAsync(ex).ConfigureAwait(false);
            return;
        }

        try
        {
            await CompleteResponseAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A broken response discovered at the end (too few bytes for Content-Length before starting, an
            // OnStarting callback that threw, a header the front end cannot take).
            await OnApplicationErrorAsync(ex).ConfigureAwait(false);
        }
    }

    internal async ValueTask<FlushResult> FlushResponseAsync(CancellationToken cancellationToken)
    {
        if (_completedAtLength)
        {
            return default; // nothing can follow a body that reached its Content-Length
        }

        await AcquireStartedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            SendBuffered();
            if (Response.ContentLength is { } declared && !_suppressBody && Writer.BytesWritten == declared)
            {
                // The whole declared body is written: end the response in this same send (FastCGI: with
                // END_REQUEST). nginx takes the response as complete at Content-Length, and a kept-alive
                // connection whose END_REQUEST came later would be closed by it.
                _channel.WriteEnd();
                _responseClosed = true;
                _completedAtLength = true;
            }

            var result = await _channel.FlushAsync(cancellationToken).ConfigureAwait(false);
            _frontEndGone |= result.IsCompleted;
            return result;
        }
        finally
        {
            _channel.Release();
        }
    }

    /// <summary>
    /// Starts the response without sending it: OnStarting runs and the head is written for the next flush (what
    /// Kestrel's StartAsync does; ASP.NET Core's WriteAsync starts the response, then writes and flushes).
    /// </summary>
    internal async ValueTask StartResponseAsync(CancellationToken cancellationToken)
    {
        if (Response.HasStarted)
        {
            ThrowIfResponseClosed();
            return;
        }

        await AcquireStartedAsync(cancellationToken).ConfigureAwait(false);
        _channel.Release();
    }

    // Runs OnStarting (once), takes the channel and writes the head if it is not yet written; returns holding it.
    private async ValueTask AcquireStartedAsync(CancellationToken cancellationToken)
    {
        ThrowIfResponseClosed();
        if (!Response.HasStarted)
        {
            await Response.RunOnStartingAsync().ConfigureAwait(false);
        }

        await _channel.AcquireAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfResponseClosed();
            if (!Response.HasStarted)
            {
                WriteHead(final: false);
            }
        }
        catch
        {
            _channel.Release();
            throw;
        }
    }

    internal async ValueTask CompleteResponseAsync()
    {
        if (_responseClosed)
        {
            return;
        }

        if (!Response.HasStarted)
        {
            await Response.RunOnStartingAsync().ConfigureAwait(false);
        }

        await _channel.AcquireAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_responseClosed)
            {
                return;
            }

            if (!Response.HasStarted)
            {
                if (Response.ContentLength is { } declared && !_isHead && declared != Writer.BytesWritten && AllowsBody(Response.StatusCode))
                {
                    throw new InvalidOperationException($"Response Content-Length mismatch: too few bytes written ({Writer.BytesWritten} of {declared}).");
                }

                WriteHead(final: true);
            }
            else if (Response.ContentLength is { } declared && !_suppressBody && Writer.BytesWritten < declared)
            {
                if (FrontEndLeft)
                {
                    _server.ApplicationLogger.ResponseCutByFrontEnd(TraceIdentifier, Writer.BytesWritten, declared);
                }
                else
                {
                    _server.ApplicationLogger.ContentLengthMismatch(TraceIdentifier, Writer.BytesWritten, declared);
                }

                _responseClosed = true;
                _channel.Abort("The response ended before its Content-Length.");
                return;
            }

            SendBuffered();
            _channel.WriteEnd();
            _responseClosed = true;
            await _channel.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _channel.Release();
        }
    }

    private async Task OnApplicationErrorAsync(Exception exception)
    {
        // Once the request is aborted (the front end left, or ABORT_REQUEST), whatever the app throws is a
        // consequence, and there is no one to answer: the response just ends.
        var aborted = FrontEndLeft;
        if (aborted)
        {
            _server.ApplicationLogger.RequestCancelled(TraceIdentifier);
        }
        else if (_deadlineExpired)
        {
            _server.Statistics.CountException();
            _server.ApplicationLogger.RequestTimedOut(TraceIdentifier, _server.RequestTimeout);
        }
        else if (exception is BadHttpRequestException rejected)
        {
            _server.ApplicationLogger.RequestRejected(TraceIdentifier, rejected.StatusCode, rejected.Message);
        }
        else
        {
            _server.Statistics.CountException();
            _server.ApplicationLogger.UnhandledException(TraceIdentifier, exception);
        }

        if (_responseClosed || (aborted && !Response.HasStarted && Gateway == GatewayProtocol.Uwsgi))
        {
            _responseClosed = true;
            return;
        }

        if (Response.HasStarted)
        {
            _responseClosed = true;
            _channel.Abort("The application failed after the response started.");
            return;
        }

        Response.ResetForError(_deadlineExpired ? 504 : exception switch
        {
            RequestBodyTooLargeException => 413,
            BadHttpRequestException rejected => rejected.StatusCode, // e.g. an endpoint's [RequestSizeLimit]
            _ => 500,
        });
        await CompleteSafelyAsync().ConfigureAwait(false);
    }

    // The request ended from outside, not by the app's fault: the front end left (or ABORT_REQUEST, or Abort()).
    private bool FrontEndLeft => (RequestAborted.IsCancellationRequested || _frontEndGone) && !_deadlineExpired;

    private async Task OnTimedOutAsync(Task application)
    {
        Abandoned = true; // the app may still touch this context: it must not be reused
        _server.Statistics.CountException();
        _server.ApplicationLogger.RequestTimedOut(TraceIdentifier, _server.RequestTimeout);
        _ = application.ContinueWith(
            static (task, state) => ((GatewayContext)state!)._server.ApplicationLogger.AbandonedRequestFailed(task.Exception!),
            this,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);

        await _channel.AcquireAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_responseClosed)
            {
                return;
            }

            _responseClosed = true;
            if (Response.HasStarted)
            {
                _channel.Abort("The request ran past its deadline.");
                return;
            }

            _channel.WriteHead(504, null, EmptyLengthHeader);
            _channel.WriteEnd();
            await _channel.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _channel.Release();
        }
    }

    private async Task CompleteSafelyAsync()
    {
        try
        {
            await CompleteResponseAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The error answer itself failed (the connection is gone, or an OnStarting callback threw again).
            _server.ConnectionLogger.ResponseWriteFailed(ConnectionId, ex.Message);
        }
    }

    // Under the channel lock. Checks what nginx cannot take, fixes what it can, writes the head.
    private void WriteHead(bool final)
    {
        var response = Response;
        var status = response.StatusCode;
        if (status < 200)
        {
            _server.ApplicationLogger.InformationalStatusRefused(TraceIdentifier, status);
            response.ResetForError(500);
        }

        if (response.Headers.Remove("Transfer-Encoding"))
        {
            _server.ApplicationLogger.TransferEncodingRemoved(TraceIdentifier);
        }

        if (!HeadersAreValid(response))
        {
            response.ResetForError(500);
        }

        if (response.ContentLength is { } declared && !_isHead && Writer.BytesWritten > declared && AllowsBody(response.StatusCode))
        {
            throw new InvalidOperationException($"Response Content-Length mismatch: too many bytes written ({Writer.BytesWritten} of {declared}).");
        }

        status = response.StatusCode;
        _suppressBody = _isHead || !AllowsBody(status);
        if (!AllowsBody(status))
        {
            response.ContentLength = null;
            Writer.DropBuffered();
        }
        else if (final && response.ContentLength is null)
        {
            response.ContentLength = Writer.BytesWritten; // the whole body is known: say how long it is
        }

        if (_suppressBody)
        {
            Writer.SetDiscard();
            Writer.DropBuffered();
        }

        var headers = response.Headers.List;
        if (response.ContentLength is { } length)
        {
            headers.Add(new ResponseHeader("Content-Length", ContentLengthStrings.Get(length)));
        }

        response.HasStarted = true;
        var headLength = _channel.WriteHead(status, response.ReasonPhrase, response.Headers.AsSpan());
        if (headLength > _server.Limits.ResponseHeadWarningSize && Interlocked.Exchange(ref s_headWarningLogged, 1) == 0)
        {
            _server.ApplicationLogger.ResponseHeadTooLarge(TraceIdentifier, headLength, _server.Limits.ResponseHeadWarningSize);
        }
    }

    private bool HeadersAreValid(GatewayResponse response)
    {
        if (response.ReasonPhrase is { } reason && !ResponseHeader.IsValidValue(reason))
        {
            _server.ApplicationLogger.InvalidResponseHeader(TraceIdentifier, "(reason phrase)");
            return false;
        }

        foreach (var header in response.Headers.AsSpan())
        {
            if (!header.IsValid)
            {
                _server.ApplicationLogger.InvalidResponseHeader(TraceIdentifier, header.Name);
                return false;
            }
        }

        return true;
    }

    private void SendBuffered()
    {
        var buffered = Writer.Buffered;
        if (!buffered.IsEmpty && !_suppressBody)
        {
            _channel.WriteBody(buffered.Span);
        }

        Writer.MarkSent();
    }

    private static bool AllowsBody(int status) => status is >= 200 and not 204 and not 304;
}
