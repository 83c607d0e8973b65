namespace Bridge.Server;

/// <summary>
/// The front end closed or reset the connection while the request was still being read: the body it announced
/// will not arrive. For an app, the same as a client that went away (nginx closes its upstream connection then).
/// </summary>
public sealed class FrontEndClosedException : IOException
{
    /// <summary>Creates the exception with a default message.</summary>
    public FrontEndClosedException()
        : base("The front end closed the connection.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public FrontEndClosedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public FrontEndClosedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
