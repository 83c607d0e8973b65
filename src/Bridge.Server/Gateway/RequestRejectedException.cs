namespace Bridge.Server.Gateway;

/// <summary>
/// Thrown by an app (or an adapter on its behalf) to refuse a request with a client-error status: if the
/// response has not started, Bridge answers <see cref="StatusCode"/> with an empty body and logs the reason at
/// Information (a client fault, not an app failure). Bridge.AspNetCore maps ASP.NET Core's
/// <c>BadHttpRequestException</c> (an endpoint's <c>[RequestSizeLimit]</c>, for one) to it.
/// </summary>
public class RequestRejectedException : Exception
{
    /// <summary>Creates the exception with status 400.</summary>
    public RequestRejectedException()
        : this("The request was rejected.")
    {
    }

    /// <summary>Creates the exception with status 400.</summary>
    public RequestRejectedException(string message)
        : this(400, message)
    {
    }

    /// <summary>Creates the exception with status 400.</summary>
    public RequestRejectedException(string message, Exception innerException)
        : this(400, message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RequestRejectedException(int statusCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        StatusCode = statusCode;
    }

    /// <summary>The status to answer with (4xx, or 5xx).</summary>
    public int StatusCode { get; }
}
