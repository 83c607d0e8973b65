namespace Bridge.Protocol.FastCgi;

/// <summary>FastCGI 1.0 record types (spec §8, <c>fastcgi.h</c>).</summary>
public enum FastCgiRecordType : byte
{
    /// <summary>Starts a request: role and flags (server to application).</summary>
    BeginRequest = 1,

    /// <summary>Asks the application to stop a request (server to application; nginx and Apache never send it).</summary>
    AbortRequest = 2,

    /// <summary>Ends a request: appStatus and protocolStatus (application to server).</summary>
    EndRequest = 3,

    /// <summary>Stream of name-value pairs: the CGI variables (server to application).</summary>
    Params = 4,

    /// <summary>Stream of request body bytes (server to application).</summary>
    Stdin = 5,

    /// <summary>Stream of the CGI response: head and body (application to server).</summary>
    Stdout = 6,

    /// <summary>Stream of error text the server logs (application to server).</summary>
    Stderr = 7,

    /// <summary>Stream of file data for the Filter role (server to application).</summary>
    Data = 8,

    /// <summary>Management query for FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS (request id 0).</summary>
    GetValues = 9,

    /// <summary>Answer to <see cref="GetValues"/> (request id 0).</summary>
    GetValuesResult = 10,

    /// <summary>Answer to a management record of a type the application does not know (request id 0).</summary>
    UnknownType = 11,
}
