namespace Bridge.Protocol.FastCgi;

/// <summary>The 8-byte header in front of every FastCGI record.</summary>
/// <param name="Type">The record type; may be a value <see cref="FastCgiRecordType"/> does not name.</param>
/// <param name="RequestId">The request the record belongs to; 0 for management records.</param>
/// <param name="ContentLength">Content bytes that follow the header.</param>
/// <param name="PaddingLength">Padding bytes after the content, skipped.</param>
public readonly record struct FastCgiRecordHeader(FastCgiRecordType Type, ushort RequestId, ushort ContentLength, byte PaddingLength)
{
    /// <summary>The header's size on the wire.</summary>
    public const int Length = 8;

    /// <summary>FCGI_VERSION_1, the only version there is.</summary>
    public const byte Version1 = 1;

    /// <summary>FCGI_NULL_REQUEST_ID: the id of management records.</summary>
    public const ushort ManagementRequestId = 0;

    /// <summary>The most content one record carries (FCGI_MAX_LENGTH).</summary>
    public const int MaxContentLength = ushort.MaxValue;

    /// <summary>Header, content and padding.</summary>
    public int RecordLength => Length + ContentLength + PaddingLength;
}
