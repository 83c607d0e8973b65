namespace Bridge.Server;

/// <summary>
/// The request was aborted while the app was reading or writing it: by the front end (ABORT_REQUEST), by its
/// deadline (<c>Bridge:Limits:RequestTimeout</c>), by a minimum data rate, by the app's own <c>Abort()</c>, or by
/// the server's stop. <see cref="Gateway.GatewayContext.RequestAborted"/> has fired by then.
/// </summary>
public sealed class RequestAbortedException : OperationCanceledException
{
    /// <summary>Creates the exception with a default message.</summary>
    public RequestAbortedException()
        : base("The request was aborted.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public RequestAbortedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RequestAbortedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
