namespace Bridge.Server.Options;

/// <summary>Bridge's configuration: the <c>Bridge</c> section of appsettings, environment and command line.</summary>
public sealed class BridgeOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "Bridge";

    /// <summary>The sockets to listen on; at least one.</summary>
    public IList<BridgeListenerOptions> Listeners { get; } = new List<BridgeListenerOptions>();

    /// <summary>Sizes and timeouts.</summary>
    public BridgeLimits Limits { get; set; } = new();

    /// <summary>
    /// Front ends allowed to connect to TCP listeners: addresses and CIDR ranges. Defaults to loopback only,
    /// because whoever can connect can claim any REMOTE_ADDR and HTTPS. The FastCGI convention's
    /// <c>FCGI_WEB_SERVER_ADDRS</c> environment variable, when set, is added. Unix sockets are governed by file mode.
    /// </summary>
    public IList<string> AllowedFrontEnds { get; } = new List<string>();

    /// <summary>
    /// Where PathBase comes from: <c>auto</c>, <c>ScriptName</c>, <c>none</c>, or a fixed prefix such as <c>/app</c> (as
    /// ASP.NET Core's <c>UsePathBase</c>). Defaults to <c>auto</c>: SCRIPT_NAME when it is a mount point (a proper
    /// prefix of the path at a segment boundary: nginx's <c>uwsgi_param SCRIPT_NAME /app</c>, Apache's
    /// <c>ProxyPass /app</c>), except from lighttpd, whose SCRIPT_NAME is the path's first segment after its mount,
    /// not a mount point (WSGI servers met the same: Werkzeug's lighttpd fixer, lighttpd's fix-root-scriptname).
    /// </summary>
    public string PathBase { get; set; } = "auto";

    /// <summary>Log one line per request (method, target, status, bytes, duration). Defaults to true.</summary>
    public bool AccessLog { get; set; } = true;
}
