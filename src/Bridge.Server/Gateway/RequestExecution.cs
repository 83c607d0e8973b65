using Bridge.Server.Logging;
using Bridge.Server.Metrics;

namespace Bridge.Server.Gateway;

/// <summary>
/// Runs one request's app and turns what happens into an answer: the response is completed when the app returns,
/// an exception before the response started is a 500 (a <see cref="RequestRejectedException"/> its own status),
/// one after it cuts the connection, and a deadline that passes first is a 504 while the app, cancelled, is left
/// to finish on its own (abandoned). Counters, metrics and OnCompleted callbacks follow.
/// </summary>
internal static class RequestExecution
{
    private const int ClientClosedRequest = 499; // nginx's "client closed request"

    /// <summary>Completes when the response is over: the app has finished (and its OnCompleted callbacks have run), or was abandoned.</summary>
    public static async Task ExecuteAsync(GatewayContext context, IGatewayApplication application)
    {
        var server = context.Server;
        context.StatisticsSlot = server.Statistics.BeginRequest(context.StartTimestamp);
        var method = ServerMetrics.ActiveRequests.Enabled || ServerMetrics.RequestDuration.Enabled ? context.Request.Method : null;
        var active = method is not null && ServerMetrics.ActiveRequests.Enabled;
        if (active)
        {
            ServerMetrics.RequestStarted(method!, context.Gateway);
        }

        try
        {
            await RunApplicationAsync(context, application).ConfigureAwait(false);
            if (!context.Abandoned && await context.Response.RunOnCompletedAsync().ConfigureAwait(false) is { } failure)
            {
                server.ApplicationLogger.UnhandledException(context.TraceIdentifier, failure);
            }
        }
        finally
        {
            var elapsed = server.Time.GetTimestamp() - context.StartTimestamp;
            if (context.IsUpgraded)
            {
                // Counted as complete at its 101 (ServerStatistics.Upgraded); only the tunnel ends here.
                await context.Upgrade.EndAsync().ConfigureAwait(false);
                server.Statistics.EndUpgrade();
                if (ServerMetrics.UpgradedConnections.Enabled)
                {
                    ServerMetrics.UpgradedConnections.Add(-1);
                }
            }
            else
            {
                server.Statistics.EndRequest(context.StatisticsSlot, elapsed);
            }

            if (active)
            {
                ServerMetrics.RequestEnded(method!, context.Gateway);
            }

            if (method is not null && ServerMetrics.RequestDuration.Enabled)
            {
                ServerMetrics.RecordDuration((double)elapsed / server.Time.TimestampFrequency, method, StatusFor(context), context.Gateway);
            }
        }
    }

    /// <summary>The status the front end got: the server's own answer if it gave one, 499 if the request was aborted before any.</summary>
    public static int StatusFor(GatewayContext context)
        => context.Output.AnsweredStatus
            ?? (context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? ClientClosedRequest : context.Response.StatusCode);

    /// <summary>After an abandoned app ends: its failure is logged, then its OnCompleted callbacks run (as they would have).</summary>
    public static async Task FinishAbandonedAsync(GatewayContext context, Task application)
    {
        try
        {
            await application.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            context.Server.ApplicationLogger.AbandonedRequestFailed(ex);
        }
        catch (OperationCanceledException)
        {
            // It was cancelled at its deadline: the expected end.
        }

        if (await context.Response.RunOnCompletedAsync().ConfigureAwait(false) is { } failure)
        {
            context.Server.ApplicationLogger.UnhandledException(context.TraceIdentifier, failure);
        }
    }

    private static async Task RunApplicationAsync(GatewayContext context, IGatewayApplication application)
    {
        try
        {
            var task = application.ProcessAsync(context);
            if (!task.IsCompleted && context.Deadline.Reached is { } deadline
                && await Task.WhenAny(task, deadline).ConfigureAwait(false) != task)
            {
                await OnTimedOutAsync(context, task).ConfigureAwait(false);
                return;
            }

            await task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await OnApplicationErrorAsync(context, ex).ConfigureAwait(false);
            return;
        }

        try
        {
            await context.CompleteResponseAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A broken response discovered at the end (too few bytes for Content-Length before starting, an
            // OnStarting callback that threw, a header the front end cannot take).
            await OnApplicationErrorAsync(context, ex).ConfigureAwait(false);
        }
    }

    private static async Task OnApplicationErrorAsync(GatewayContext context, Exception exception)
    {
        var server = context.Server;
        var logger = server.ApplicationLogger;

        // Once the request is aborted (the front end left, or ABORT_REQUEST), whatever the app throws is a
        // consequence, and there is no one to answer: the response just ends.
        var expired = context.Deadline.Expired;
        var aborted = context.FrontEndLeft;
        if (aborted)
        {
            logger.RequestCancelled(context.TraceIdentifier);
        }
        else if (expired)
        {
            server.Statistics.CountException();
            logger.RequestTimedOut(context.TraceIdentifier, server.RequestTimeout);
        }
        else if (exception is RequestRejectedException rejected)
        {
            logger.RequestRejected(context.TraceIdentifier, rejected.StatusCode, LogValue.Escape(rejected.Message));
        }
        else if (exception is RequestBodyTooLargeException tooLarge)
        {
            // The client's fault, found while the app read a body without CONTENT_LENGTH: not an app failure.
            logger.RequestRejected(context.TraceIdentifier, 413, tooLarge.Message);
        }
        else
        {
            server.Statistics.CountException();
            logger.UnhandledException(context.TraceIdentifier, exception);
        }

        // Aborted before anything was sent: no one waits for an answer (over FastCGI, END_REQUEST alone follows, as
        // ABORT_REQUEST asks; a front end that closed gets nothing).
        var response = context.Response;
        if (context.ResponseClosed || (aborted && !response.HasStarted))
        {
            context.Output.CloseOnFailure("The request was aborted.");
            return;
        }

        if (response.HasStarted)
        {
            context.Output.CloseOnFailure("The application failed after the response started.");
            return;
        }

        response.ResetForError(expired ? 504 : exception switch
        {
            RequestBodyTooLargeException => 413,
            RequestRejectedException rejected => rejected.StatusCode,
            _ => 500,
        });
        try
        {
            await context.CompleteResponseAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The error answer itself failed (the connection is gone, or an OnStarting callback threw again: then
            // the message is the app's).
            server.ConnectionLogger.ResponseWriteFailed(context.ConnectionId, LogValue.Escape(ex.Message));
        }
    }

    private static async Task OnTimedOutAsync(GatewayContext context, Task application)
    {
        context.Abandon(application); // the app may still touch this context: it must not be reused
        context.Server.Statistics.CountException();
        context.Server.ApplicationLogger.RequestTimedOut(context.TraceIdentifier, context.Server.RequestTimeout);
        await context.Output.AnswerTimeoutAsync().ConfigureAwait(false);
    }
}
