namespace Bridge.Server.Options;

/// <summary>One socket Bridge listens on.</summary>
public sealed class BridgeListenerOptions
{
    /// <summary>
    /// <c>unix:/run/app.sock</c>, <c>unix:@abstract-name</c>, <c>tcp:127.0.0.1:9000</c> or <c>tcp:[::1]:9000</c>;
    /// <c>fd:3</c> for a socket inherited from a supervisor or systemd.
    /// </summary>
    public string Address { get; set; } = "";

    /// <summary>What connections speak. Defaults to <see cref="ListenerProtocol.Auto"/>.</summary>
    public ListenerProtocol Protocol { get; set; } = ListenerProtocol.Auto;

    /// <summary>
    /// Octal file mode of a Unix socket file. Defaults to "0660": owner and group may connect, others not
    /// (uWSGI's <c>chmod-socket</c>; nginx's workers need write permission, so set <see cref="SocketGroup"/>
    /// to their group, <c>www-data</c> on Debian).
    /// </summary>
    public string SocketMode { get; set; } = "0660";

    /// <summary>User name or id to own the socket file. Defaults to the process's user.</summary>
    public string? SocketOwner { get; set; }

    /// <summary>Group name or id for the socket file. Defaults to the process's group.</summary>
    public string? SocketGroup { get; set; }

    /// <summary>
    /// Listen queue length. Defaults to 1024; uWSGI's 100 is its users' "listen queue full". The kernel caps it
    /// at <c>net.core.somaxconn</c> (4096 on current Linux).
    /// </summary>
    public int Backlog { get; set; } = 1024;
}
