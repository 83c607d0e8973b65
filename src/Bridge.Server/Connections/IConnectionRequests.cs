namespace Bridge.Server.Connections;

/// <summary>The requests running on a connection, as the heartbeat and the connection's own aborts reach them.</summary>
internal interface IConnectionRequests
{
    /// <summary>Heartbeat: expires every request whose deadline has passed.</summary>
    void CheckDeadlines(long now);

    /// <summary>The connection is being cut (a timeout, a data rate, the stop): every running request's RequestAborted fires.</summary>
    void CancelAll();
}
