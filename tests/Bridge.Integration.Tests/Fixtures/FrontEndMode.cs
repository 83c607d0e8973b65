namespace Bridge.Integration.Tests.Fixtures;

/// <summary>The ways nginx reaches Bridge that every route is tested through (one server block each in the template).</summary>
public enum FrontEndMode
{
    /// <summary>uwsgi_pass to a Unix socket.</summary>
    Uwsgi,

    /// <summary>fastcgi_pass with fastcgi_keep_conn on and an upstream keepalive pool: connections are reused.</summary>
    FastCgiKeepAlive,

    /// <summary>fastcgi_pass without keep_conn: Bridge closes each connection after its request.</summary>
    FastCgi,
}
