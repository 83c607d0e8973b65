namespace Bridge.Server.Connections;

/// <summary>What serves a connection once its protocol is known; pooled, one connection at a time.</summary>
internal interface IConnectionProcessor
{
    /// <summary>
    /// Serves the connection to its end and returns once every request on it has finished its response (a request
    /// abandoned at its deadline excepted: its app may still run).
    /// </summary>
    Task ProcessAsync(BridgeConnection connection);

    /// <summary>
    /// Read after <see cref="ProcessAsync"/>: true when nothing of the connection can still be reached (no
    /// abandoned app runs), so the processor and the connection's buffers may serve again.
    /// </summary>
    bool IsReusable { get; }

    /// <summary>Forgets the last connection, before serving another.</summary>
    void Recycle();
}
