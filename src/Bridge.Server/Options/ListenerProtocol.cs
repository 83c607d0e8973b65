namespace Bridge.Server.Options;

/// <summary>What a listener expects its connections to speak.</summary>
public enum ListenerProtocol
{
    /// <summary>Decide per connection from its first bytes (uwsgi, FastCGI, or a named mistake such as plain HTTP).</summary>
    Auto,

    /// <summary>uwsgi only (nginx <c>uwsgi_pass</c>).</summary>
    Uwsgi,

    /// <summary>FastCGI only (nginx <c>fastcgi_pass</c>).</summary>
    FastCgi,
}
