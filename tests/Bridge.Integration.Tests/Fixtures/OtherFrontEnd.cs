namespace Bridge.Integration.Tests.Fixtures;

/// <summary>The HTTP front ends besides nginx that the README names, each as <see cref="OtherFrontEnds"/> runs it.</summary>
public enum OtherFrontEnd
{
    /// <summary>Debian's Apache, mod_proxy_uwsgi: <c>ProxyPass "/" "unix:SOCK|uwsgi://localhost/"</c>.</summary>
    ApacheUwsgi,

    /// <summary>Debian's Apache, mod_proxy_fcgi: <c>ProxyPass "/" "unix:SOCK|fcgi://localhost/"</c>.</summary>
    ApacheFastCgi,

    /// <summary>Debian's lighttpd, mod_fastcgi mounted at "/" with check-local disabled.</summary>
    Lighttpd,

    /// <summary>uWSGI's HTTP router (uwsgi-core's http plugin) with <c>--http-chunked-input</c>.</summary>
    UwsgiRouter,
}
