namespace Bridge.Protocol.Gateway;

/// <summary>The CGI variables given typed access; the index of each one's first occurrence is kept as it arrives.</summary>
internal enum WellKnownVariable
{
    RequestMethod,
    RequestUri,
    QueryString,
    ContentLength,
    ContentType,
    ServerName,
    ServerPort,
    ServerProtocol,
    ServerAddr,
    RemoteAddr,
    RemotePort,
    Https,
    RequestScheme,
    ScriptName,
    PathInfo,
    DocumentRoot,
    HttpHost,
    ServerSoftware,
    HttpTransferEncoding,
}
