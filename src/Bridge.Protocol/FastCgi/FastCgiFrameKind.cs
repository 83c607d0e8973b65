namespace Bridge.Protocol.FastCgi;

/// <summary>What a record meant for the connection, as <see cref="FastCgiRequestDecoder"/> reports it.</summary>
public enum FastCgiFrameKind
{
    /// <summary>A Responder request became active (its PARAMS follow).</summary>
    BeginRequest = 1,

    /// <summary>A BEGIN_REQUEST was refused; answer END_REQUEST with <see cref="FastCgiFrame.ProtocolStatus"/>.</summary>
    BeginRejected,

    /// <summary>The PARAMS stream ended: <see cref="FastCgiFrame.Variables"/> holds the request's variables.</summary>
    ParamsComplete,

    /// <summary>Body bytes in <see cref="FastCgiFrame.Data"/>, valid until the buffer is advanced.</summary>
    StdinData,

    /// <summary>The empty STDIN record: the body is complete.</summary>
    StdinComplete,

    /// <summary>ABORT_REQUEST for an active request.</summary>
    AbortRequest,

    /// <summary>GET_VALUES: the queried names are the pairs in <see cref="FastCgiFrame.Data"/>.</summary>
    GetValues,

    /// <summary>A management record of another type; answer UNKNOWN_TYPE with <see cref="FastCgiFrame.RecordType"/>.</summary>
    UnknownManagementType,
}
