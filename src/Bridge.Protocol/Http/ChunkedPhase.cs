namespace Bridge.Protocol.Http;

/// <summary>What a <see cref="ChunkedBodyReader"/> expects next.</summary>
internal enum ChunkedPhase
{
    /// <summary>A chunk-size line (with optional extensions).</summary>
    Size,

    /// <summary>chunk-data of the current chunk.</summary>
    Data,

    /// <summary>The CRLF after a chunk's data.</summary>
    DataEnd,

    /// <summary>Trailer field lines after the last chunk, up to the empty line.</summary>
    Trailer,

    /// <summary>The body is complete.</summary>
    Completed,
}
