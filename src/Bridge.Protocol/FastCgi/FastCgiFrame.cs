using System.Buffers;
using Bridge.Protocol.Gateway;

namespace Bridge.Protocol.FastCgi;

/// <summary>One event on a FastCGI connection. Which fields are set depends on <see cref="Kind"/>.</summary>
public readonly struct FastCgiFrame
{
    internal FastCgiFrame(FastCgiFrameKind kind, ushort requestId)
    {
        Kind = kind;
        RequestId = requestId;
    }

    /// <summary>What happened.</summary>
    public FastCgiFrameKind Kind { get; }

    /// <summary>The request it concerns (0 for management frames).</summary>
    public ushort RequestId { get; }

    /// <summary>BeginRequest: FCGI_KEEP_CONN, the server keeps the connection after END_REQUEST.</summary>
    public bool KeepConnection { get; init; }

    /// <summary>BeginRequest / BeginRejected: the role asked for.</summary>
    public FastCgiRole Role { get; init; }

    /// <summary>BeginRejected: the protocolStatus to answer with.</summary>
    public FastCgiProtocolStatus ProtocolStatus { get; init; }

    /// <summary>UnknownManagementType: the record type to name in UNKNOWN_TYPE.</summary>
    public byte RecordType { get; init; }

    /// <summary>StdinData / GetValues: the record's content, a slice of the buffer that was read.</summary>
    public ReadOnlySequence<byte> Data { get; init; }

    /// <summary>ParamsComplete: the request's variables, owned by the decoder until the request completes.</summary>
    public GatewayVariables? Variables { get; init; }
}
