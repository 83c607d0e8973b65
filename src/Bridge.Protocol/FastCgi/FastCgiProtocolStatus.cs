namespace Bridge.Protocol.FastCgi;

/// <summary>END_REQUEST's protocolStatus (spec §5.5).</summary>
public enum FastCgiProtocolStatus : byte
{
    /// <summary>The request ran to its end (also after ABORT_REQUEST).</summary>
    RequestComplete = 0,

    /// <summary>A concurrent request on a connection that does not multiplex.</summary>
    CantMpxConn = 1,

    /// <summary>The connection already carries as many requests as allowed.</summary>
    Overloaded = 2,

    /// <summary>A role other than Responder.</summary>
    UnknownRole = 3,
}
