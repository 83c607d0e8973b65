namespace Bridge.Server.Gateway;

/// <summary>The wire protocol a request arrived on.</summary>
public enum GatewayProtocol
{
    /// <summary>uwsgi (nginx <c>uwsgi_pass</c>).</summary>
    Uwsgi,

    /// <summary>FastCGI (nginx <c>fastcgi_pass</c>).</summary>
    FastCgi,
}
