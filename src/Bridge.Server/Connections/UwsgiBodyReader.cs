using System.IO.Pipelines;

namespace Bridge.Server.Connections;

/// <summary>A uwsgi request body read in place from the connection: by CONTENT_LENGTH, or de-chunked.</summary>
internal abstract class UwsgiBodyReader : PipeReader
{
    /// <summary>
    /// Reads and drops what the app left unread (closing on unread body bytes makes nginx answer 502). false when
    /// the body could not be read to its end: the connection must close.
    /// </summary>
    public abstract ValueTask<bool> DrainAsync();
}
