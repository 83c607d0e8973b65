namespace Bridge.Server.Options;

/// <summary>Sizes and timeouts, each with a production-safe default whose source is named.</summary>
public sealed class BridgeLimits
{
    /// <summary>
    /// Largest uwsgi vars block. Defaults to 65,535, the whole u16 range nginx may send; uWSGI's 4,096 default
    /// (<c>buffer-size</c>) is its users' most common 502.
    /// </summary>
    public int MaxVarsBlockSize { get; set; } = 65_535;

    /// <summary>Most variables per request. Defaults to 1,000 (gunicorn's <c>MAX_UWSGI_VARS</c>).</summary>
    public int MaxVariables { get; set; } = 1_000;

    /// <summary>Largest FastCGI PARAMS stream. Defaults to 131,072 bytes, twice nginx's one-record maximum.</summary>
    public int MaxParamsSize { get; set; } = 128 * 1024;

    /// <summary>Most requests one FastCGI connection carries at once. Defaults to 16 (nginx and Apache use 1).</summary>
    public int MaxMultiplexedRequests { get; set; } = 16;

    /// <summary>
    /// Largest request body; larger ones get 413 without reaching the app. Defaults to 30,000,000 bytes,
    /// Kestrel's <c>MaxRequestBodySize</c>; null for no limit. nginx's own <c>client_max_body_size</c> (1 MiB by
    /// default) usually answers 413 first.
    /// </summary>
    public long? MaxRequestBodySize { get; set; } = 30_000_000;

    /// <summary>
    /// Time from accept (or from the first byte of a kept-alive FastCGI connection's next request) until the
    /// request head has arrived. Defaults to 30 s, Kestrel's <c>RequestHeadersTimeout</c>; nginx sends the head at once.
    /// </summary>
    public TimeSpan RequestHeadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest wait for more body bytes while the app is reading the body. Defaults to 60 s, nginx's
    /// <c>uwsgi_send_timeout</c>/<c>fastcgi_send_timeout</c>, after which nginx gives up too.
    /// </summary>
    public TimeSpan BodyReadStallTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Slowest request body the server waits for, in bytes per second, measured over the time the app (or the
    /// server's drain) waits for body bytes; a slower front end is cut after
    /// <see cref="MinRequestBodyDataRateGracePeriod"/>, with a log line. Defaults to 240, Kestrel's
    /// <c>MinRequestBodyDataRate</c>: a client trickling a body through nginx with request buffering off (or a
    /// peer that is not nginx) cannot hold a connection and its I/O thread. null turns it off.
    /// </summary>
    public double? MinRequestBodyDataRate { get; set; } = 240;

    /// <summary>How long a body may arrive slower than <see cref="MinRequestBodyDataRate"/>. Defaults to 5 s, as Kestrel.</summary>
    public TimeSpan MinRequestBodyDataRateGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Slowest the front end may read the response, in bytes per second, while a write waits for it: a write of
    /// N bytes that is not taken within max(grace period, N / rate) cuts the connection, with a log line. Defaults
    /// to 240, Kestrel's <c>MinResponseDataRate</c>; nginx reads as fast as its buffers and temp files allow (1 GiB
    /// of temp file by default), so 100 MB responses through it are far from the limit. null turns it off.
    /// </summary>
    public double? MinResponseDataRate { get; set; } = 240;

    /// <summary>The shortest time a response write may wait (see <see cref="MinResponseDataRate"/>). Defaults to 5 s, as Kestrel.</summary>
    public TimeSpan MinResponseDataRateGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long an idle kept-alive FastCGI connection stays open. Defaults to 120 s: longer than nginx's upstream
    /// <c>keepalive_timeout</c> (60 s), so nginx always closes first and never reuses a connection Bridge is closing.
    /// </summary>
    public TimeSpan FastCgiKeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Most open connections; further ones wait in the listen queue. Defaults to 10,000 (nginx's
    /// <c>worker_connections</c> 768 on Debian, times several workers, with room).
    /// </summary>
    public int MaxConcurrentConnections { get; set; } = 10_000;

    /// <summary>
    /// Most dedicated I/O threads per listener. A thread accepts a connection and serves it inline while it runs
    /// synchronously, and may stay blocked in a read of a kept-alive FastCGI connection between requests; past
    /// this many, connections wait on the thread pool instead (asynchronous I/O). Defaults to 256.
    /// </summary>
    public int MaxIoThreads { get; set; } = 256;

    /// <summary>
    /// How long a graceful stop waits for in-flight requests before aborting them. Defaults to 30 s, the generic
    /// host's <c>ShutdownTimeout</c>; keep it below systemd's <c>TimeoutStopSec</c> (90 s).
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Optional per-request deadline: past it the request is cancelled and answered 504 (or cut, if its response
    /// had started), without touching other requests, unlike uWSGI's <c>harakiri</c>, which kills the worker.
    /// Defaults to null (off); keep it below nginx's <c>uwsgi_read_timeout</c>/<c>fastcgi_read_timeout</c> (60 s).
    /// </summary>
    public TimeSpan? RequestTimeout { get; set; }

    /// <summary>
    /// Response head size past which a warning is logged once: nginx's default <c>uwsgi_buffer_size</c> /
    /// <c>fastcgi_buffer_size</c> is one page (4 KiB), and a larger head is its 502 "upstream sent too big header".
    /// </summary>
    public int ResponseHeadWarningSize { get; set; } = 4096;
}
