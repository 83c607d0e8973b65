namespace Bridge.Protocol;

/// <summary>
/// The sizes a reader accepts, as an immutable snapshot taken from the server's options at start.
/// Every declared length is checked against these as soon as its header has been read.
/// </summary>
public readonly record struct ProtocolLimits
{
    /// <summary>The largest uwsgi datasize there is (a u16).</summary>
    public const int MaxUwsgiDatasize = ushort.MaxValue;

    /// <summary>Limits with every default.</summary>
    public ProtocolLimits()
    {
    }

    /// <summary>
    /// Largest uwsgi vars block accepted. Defaults to 65,535, the whole u16 range: nginx sends up to that
    /// (it answers 500 itself beyond it), while uWSGI's 4,096-byte <c>buffer-size</c> default is the most
    /// common cause of its users' 502s.
    /// </summary>
    public int MaxVarsBlockSize { get; init; } = MaxUwsgiDatasize;

    /// <summary>
    /// Most variables (uwsgi vars or FastCGI params) in one request. Defaults to 1,000, gunicorn's
    /// <c>MAX_UWSGI_VARS</c>; uWSGI's ~128 is too few for requests with many headers.
    /// </summary>
    public int MaxVariables { get; init; } = 1000;

    /// <summary>
    /// Largest FastCGI PARAMS stream accepted. Defaults to 131,072 bytes: twice what nginx can send (one
    /// record of at most 65,535), with room for Apache, which splits params into 16 KiB records.
    /// </summary>
    public int MaxParamsSize { get; init; } = 128 * 1024;

    /// <summary>
    /// Most FastCGI requests active at once on one connection (multiplexing). Defaults to 16; nginx and
    /// Apache never send more than one. 1 refuses multiplexing with CANT_MPX_CONN.
    /// </summary>
    public int MaxMultiplexedRequests { get; init; } = 16;
}
