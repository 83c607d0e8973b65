namespace Bridge.Server.Connections;

/// <summary>Something holding requests whose per-request deadline the heartbeat checks.</summary>
internal interface IRequestDeadlines
{
    void CheckDeadlines(long now);
}
