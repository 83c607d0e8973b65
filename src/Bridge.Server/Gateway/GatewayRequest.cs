using System.IO.Pipelines;
using System.Text;
using Bridge.Protocol.Gateway;

namespace Bridge.Server.Gateway;

/// <summary>
/// The request as the front end described it in its gateway variables, plus the body. Strings are made on first
/// use and kept for the request; <see cref="Variables"/> gives the raw bytes without any.
/// </summary>
public sealed class GatewayRequest
{
    private readonly GatewayContext _context;
    private GatewayVariables _variables = null!;
    private string? _rawTarget;
    private string? _path;
    private string? _pathBase;
    private string? _queryString;
    private Stream? _bodyStream;

    internal GatewayRequest(GatewayContext context) => _context = context;

    /// <summary>The gateway variables exactly as they arrived, in order, duplicates kept.</summary>
    public GatewayVariables Variables => _variables;

    /// <summary>REQUEST_METHOD.</summary>
    public string Method => _variables.RequestMethod;

    /// <summary>REQUEST_URI as received: path and query, still encoded.</summary>
    public string RawTarget => _rawTarget ??= Latin1(_variables.RequestUri);

    /// <summary>
    /// The request path without the query and without <see cref="PathBase"/>, decoded from REQUEST_URI by the one rule
    /// ASP.NET Core's Path gets too (<see cref="RequestPath.Decode"/>: Kestrel's): percent-decoded as UTF-8 except
    /// <c>%2F</c>, dot segments removed. Without REQUEST_URI, SCRIPT_NAME + PATH_INFO as the front end decoded them.
    /// "" only when the request is exactly a configured prefix (as after <c>UsePathBase</c>).
    /// </summary>
    public string Path
    {
        get
        {
            if (_path is null)
            {
                SplitPath();
            }

            return _path!;
        }
    }

    /// <summary>
    /// Where the app is mounted, by Bridge:PathBase (default <c>auto</c>: SCRIPT_NAME when it is a proper prefix of the
    /// path at a segment boundary, except from lighttpd, whose SCRIPT_NAME is not a mount point); "" otherwise.
    /// nginx's stock fastcgi_params set SCRIPT_NAME to the whole path (PHP's meaning), which is therefore never a base.
    /// </summary>
    public string PathBase
    {
        get
        {
            if (_pathBase is null)
            {
                SplitPath();
            }

            return _pathBase!;
        }
    }

    /// <summary>QUERY_STRING as received, without '?' ("" if none).</summary>
    public string QueryString => _queryString ??= Latin1(_variables.QueryString);

    /// <summary>"https" when the front end says the client used TLS (REQUEST_SCHEME or HTTPS), else "http".</summary>
    public string Scheme => _variables.Scheme;

    /// <summary>True for TLS requests.</summary>
    public bool IsHttps => _variables.IsHttps;

    /// <summary>SERVER_PROTOCOL, e.g. HTTP/1.1 or HTTP/2.0 (the client's protocol to nginx).</summary>
    public string Protocol => _variables.ServerProtocol;

    /// <summary>SERVER_NAME ("" when nginx's server block has none).</summary>
    public string ServerName => Latin1(_variables.ServerName);

    /// <summary>SERVER_PORT, or null.</summary>
    public int? ServerPort => _variables.ServerPort;

    /// <summary>REMOTE_ADDR: the client's address, straight from the front end.</summary>
    public string RemoteAddress => Latin1(_variables.RemoteAddr);

    /// <summary>REMOTE_PORT, or null.</summary>
    public int? RemotePort => _variables.RemotePort;

    /// <summary>CONTENT_LENGTH, or null when the request has none (a GET, or a streamed chunked body over FastCGI).</summary>
    public long? ContentLength => _variables.ContentLength;

    /// <summary>CONTENT_TYPE, or null.</summary>
    public string? ContentType => _variables.ContentType.IsEmpty ? null : Latin1(_variables.ContentType);

    /// <summary>The wire protocol the request came in on.</summary>
    public GatewayProtocol Gateway => _context.Gateway;

    /// <summary>The request headers: each is a variable index; see <see cref="GetHeaderName"/> and <see cref="GetHeaderValue"/>.</summary>
    public GatewayVariables.HeaderEnumerator Headers => _variables.Headers;

    /// <summary>The HTTP name of the header variable at <paramref name="index"/> (HTTP_X_FOO is X-Foo).</summary>
    public string GetHeaderName(int index) => _variables.GetHeaderName(index);

    /// <summary>The value of the header variable at <paramref name="index"/>.</summary>
    public string GetHeaderValue(int index) => _variables.GetValueString(index);

    /// <summary>Every value of header <paramref name="name"/> joined with ", ", or null if absent.</summary>
    public string? GetHeader(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string? joined = null;
        foreach (var index in _variables.Headers)
        {
            if (string.Equals(_variables.GetHeaderName(index), name, StringComparison.OrdinalIgnoreCase))
            {
                var value = _variables.GetValueString(index);
                joined = joined is null ? value : joined + ", " + value;
            }
        }

        return joined;
    }

    /// <summary>The body. Reads end after CONTENT_LENGTH bytes (uwsgi) or the end of STDIN (FastCGI).</summary>
    public PipeReader Body { get; private set; } = null!;

    /// <summary>The body as a stream over <see cref="Body"/>.</summary>
    public Stream BodyStream => _bodyStream ??= Body.AsStream(leaveOpen: true);

    internal void Reset(GatewayVariables variables, PipeReader body)
    {
        _variables = variables;
        Body = body;
        _rawTarget = _path = _pathBase = _queryString = null;
        _bodyStream = null;
    }

    private void SplitPath()
    {
        var uri = _variables.RequestUri;
        var query = uri.IndexOf((byte)'?');
        var rawPath = query >= 0 ? uri[..query] : uri;
        var path = !rawPath.IsEmpty ? RequestPath.Decode(rawPath)
            : RequestPath.FromDecoded(_variables.ScriptName) + RequestPath.FromDecoded(_variables.PathInfo) is { Length: > 0 } joined ? joined : "/";
        (_pathBase, _path) = _context.PathBaseRule.Split(path, _variables);
    }

    private static string Latin1(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? "" : Encoding.Latin1.GetString(bytes);
}
