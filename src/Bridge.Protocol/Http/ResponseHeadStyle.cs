namespace Bridge.Protocol.Http;

/// <summary>How the first line of a response head names the status.</summary>
internal enum ResponseHeadStyle
{
    /// <summary><c>HTTP/1.1 200 OK</c>: what nginx parses first over uwsgi (it hides nothing, so a CGI
    /// <c>Status:</c> header would leak to the client).</summary>
    StatusLine,

    /// <summary><c>Status: 200 OK</c>: FastCGI has no status line; nginx skips lines starting <c>HTTP/</c>.</summary>
    CgiStatus,
}
