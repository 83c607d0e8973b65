namespace Bridge.Protocol;

/// <summary>What the first bytes of a connection say it speaks.</summary>
public enum DetectedProtocol
{
    /// <summary>Not enough bytes yet to tell.</summary>
    NeedMoreData,

    /// <summary>A uwsgi request packet (nginx <c>uwsgi_pass</c>).</summary>
    Uwsgi,

    /// <summary>A FastCGI record (nginx <c>fastcgi_pass</c>).</summary>
    FastCgi,

    /// <summary>A plain HTTP request line: the front end uses <c>proxy_pass</c> where <c>uwsgi_pass</c> or <c>fastcgi_pass</c> was meant.</summary>
    Http,

    /// <summary>A TLS handshake: the front end speaks HTTPS to this socket (<c>proxy_pass https://</c>).</summary>
    Tls,

    /// <summary>None of the above.</summary>
    Unknown,
}
