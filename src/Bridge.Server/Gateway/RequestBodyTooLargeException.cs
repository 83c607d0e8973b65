namespace Bridge.Server.Gateway;

/// <summary>
/// Thrown by a request body read when the body grows past Bridge:Limits:MaxRequestBodySize (a body without
/// CONTENT_LENGTH, streamed by FastCGI). If the response has not started, Bridge answers 413.
/// </summary>
public sealed class RequestBodyTooLargeException : IOException
{
    /// <summary>Creates the exception for a limit of <paramref name="limit"/> bytes.</summary>
    public RequestBodyTooLargeException(long limit)
        : base($"The request body is larger than Bridge:Limits:MaxRequestBodySize ({limit} bytes).")
    {
        Limit = limit;
    }

    /// <summary>The limit that was exceeded.</summary>
    public long Limit { get; }
}
