using System.IO.Pipelines;
using System.Net;
using Bridge.Protocol.Gateway;
using Bridge.Server.Gateway;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Bridge.AspNetCore;

/// <summary>
/// The features of one request, over a <see cref="GatewayContext"/>: what ASP.NET Core and its middleware need
/// from a server. One instance lives with each pooled gateway context and is reset per request; the HttpContext
/// built on it is pooled too (<see cref="IHostContextContainer{TContext}"/>).
/// </summary>
internal sealed class BridgeHttpFeatures<TContext> : FeatureCollectionBase,
    IHttpRequestFeature, IHttpResponseFeature, IHttpResponseBodyFeature, IRequestBodyPipeFeature,
    IHttpRequestBodyDetectionFeature, IHttpConnectionFeature, IHttpRequestLifetimeFeature,
    IHttpMaxRequestBodySizeFeature, IHttpRequestIdentifierFeature, IHttpUpgradeFeature, IGatewayVariablesFeature, IHostContextContainer<TContext>
    where TContext : notnull
{
    private static readonly Type[] Types =
    [
        typeof(IHttpRequestFeature), typeof(IHttpResponseFeature), typeof(IHttpResponseBodyFeature), typeof(IRequestBodyPipeFeature),
        typeof(IHttpRequestBodyDetectionFeature), typeof(IHttpConnectionFeature), typeof(IHttpRequestLifetimeFeature),
        typeof(IHttpMaxRequestBodySizeFeature), typeof(IHttpRequestIdentifierFeature), typeof(IHttpUpgradeFeature), typeof(IGatewayVariablesFeature),
    ];

    private readonly HeaderDictionary _requestHeaders = new();
    private readonly HeaderDictionary _responseHeaders = new();
    private readonly LimitedBodyReader _bodyReader = new();
    private readonly DeclaredLengthWriter _responseWriter = new();
    private readonly Stream _bodyReaderStream;
    private GatewayContext _context = null!;
    private Stream _requestBody = null!;
    private Stream? _wrappedBody;
    private PipeReader? _wrappedBodyReader;
    private string? _traceIdentifier;
    private CancellationToken _stopping;

    public BridgeHttpFeatures() => _bodyReaderStream = _bodyReader.AsStream(leaveOpen: true);

    public TContext? HostContext { get; set; }

    /// <summary>What the app threw, for <c>IHttpApplication.DisposeContext</c>.</summary>
    public Exception? Error { get; set; }

    protected override IReadOnlyList<Type> BuiltInTypes => Types;

    public void Initialize(GatewayContext context, long? maxRequestBodySize, CancellationToken stopping)
    {
        _context = context;
        _stopping = stopping;
        ResetFeatures();
        Error = null;
        var request = context.Request;
        var variables = request.Variables;
        Protocol = request.Protocol == "HTTP/2.0" ? "HTTP/2" : request.Protocol;
        Scheme = request.Scheme;
        Method = request.Method;
        RawTarget = request.RawTarget;
        PathBase = request.PathBase; // the one decoding and split (Bridge:PathBase), shared with the gateway API
        Path = request.Path;
        QueryString = request.QueryString.Length == 0 ? "" : "?" + request.QueryString;
        FillRequestHeaders(request);
        _responseHeaders.IsReadOnly = false; // before Clear, which throws on the last request's read-only headers
        _responseHeaders.Clear();
        _responseWriter.Reset(context, _responseHeaders);
        _bodyReader.Reset(request.Body, request.ContentLength, maxRequestBodySize);
        _requestBody = _bodyReaderStream;
        _wrappedBody = null;
        _wrappedBodyReader = null;
        RemoteIpAddress = ParseAddress(variables.RemoteAddr);
        RemotePort = request.RemotePort ?? 0;
        LocalIpAddress = ParseAddress(variables.ServerAddr);
        LocalPort = request.ServerPort ?? 0;
        ConnectionId = context.ConnectionId;
        RequestAborted = context.RequestAborted;
        _traceIdentifier = null;

        // Registered first, so it runs last: after the app's callbacks, the headers they set go out.
        context.Response.OnStarting(static state => ((BridgeHttpFeatures<TContext>)state).CopyResponseHeaders(), this);
    }

    protected override object? GetBuiltIn(Type key) => Array.IndexOf(Types, key) >= 0 ? this : null;

    // ASP.NET Core's WebSocketMiddleware sets its handshake as IHttpWebSocketFeature; on a request nginx will tunnel,
    // the WebSockets it accepts are registered with the gateway context, so a graceful stop closes them with 1001.
    protected override object? OnSet(Type key, object? value)
        => key == typeof(IHttpWebSocketFeature) && value is IHttpWebSocketFeature handshake and not GoingAwayWebSocketFeature && _context.IsUpgradableRequest
            ? new GoingAwayWebSocketFeature(handshake, _context, _stopping)
            : value;

    // IHttpRequestFeature
    public string Protocol { get; set; } = "";

    public string Scheme { get; set; } = "";

    public string Method { get; set; } = "";

    public string PathBase { get; set; } = "";

    public string Path { get; set; } = "";

    public string QueryString { get; set; } = "";

    public string RawTarget { get; set; } = "";

    IHeaderDictionary IHttpRequestFeature.Headers
    {
        get => _requestHeaders;
        set => throw new NotSupportedException("Bridge's request headers cannot be replaced; modify them instead.");
    }

    Stream IHttpRequestFeature.Body
    {
        get => _requestBody;
        set => _requestBody = value;
    }

    // IRequestBodyPipeFeature: the body reader, unless middleware replaced the body stream (then a reader over it).
    PipeReader IRequestBodyPipeFeature.Reader
    {
        get
        {
            if (ReferenceEquals(_requestBody, _bodyReaderStream))
            {
                return _bodyReader;
            }

            if (!ReferenceEquals(_wrappedBody, _requestBody))
            {
                _wrappedBody = _requestBody;
                _wrappedBodyReader = PipeReader.Create(_requestBody, new StreamPipeReaderOptions(leaveOpen: true));
            }

            return _wrappedBodyReader!;
        }
    }

    // IHttpRequestBodyDetectionFeature
    public bool CanHaveBody => _context.Request.ContentLength > 0
        || (_context.Request.ContentLength is null && _requestHeaders.ContainsKey("Transfer-Encoding"));

    // IHttpResponseFeature
    public int StatusCode
    {
        get => _context.Response.StatusCode;
        set => _context.Response.StatusCode = value;
    }

    public string? ReasonPhrase
    {
        get => _context.Response.ReasonPhrase;
        set => _context.Response.ReasonPhrase = value;
    }

    IHeaderDictionary IHttpResponseFeature.Headers
    {
        get => _responseHeaders;
        set => throw new NotSupportedException("Bridge's response headers cannot be replaced; modify them instead.");
    }

    [Obsolete("Use IHttpResponseBodyFeature.Stream.")]
    Stream IHttpResponseFeature.Body
    {
        get => _context.Response.BodyStream;
        set => throw new NotSupportedException("Replace IHttpResponseBodyFeature instead (HttpResponse.Body's setter does).");
    }

    public bool HasStarted => _context.Response.HasStarted;

    public void OnStarting(Func<object, Task> callback, object state) => _context.Response.OnStarting(callback, state);

    public void OnCompleted(Func<object, Task> callback, object state) => _context.Response.OnCompleted(callback, state);

    // IHttpResponseBodyFeature
    public Stream Stream => _context.Response.BodyStream;

    public PipeWriter Writer => _responseWriter;

    public void DisableBuffering()
    {
        // Nothing to do: every flush reaches the front end (and X-Accel-Buffering: no tells nginx to pass it on).
    }

    // As Kestrel: the head is written, and sent with the first flush (usually the body's), not on its own.
    public Task StartAsync(CancellationToken cancellationToken = default) => _context.Response.StartAsync(flush: false, cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
        => SendFileFallback.SendFileAsync(Stream, path, offset, count, cancellationToken);

    public Task CompleteAsync() => _context.Response.CompleteAsync();

    // IHttpConnectionFeature: the client's address as nginx saw it, no ForwardedHeaders needed.
    public string ConnectionId { get; set; } = "";

    public IPAddress? RemoteIpAddress { get; set; }

    public IPAddress? LocalIpAddress { get; set; }

    public int RemotePort { get; set; }

    public int LocalPort { get; set; }

    // IHttpRequestLifetimeFeature
    public CancellationToken RequestAborted { get; set; }

    public void Abort() => _context.Abort();

    // IHttpMaxRequestBodySizeFeature
    bool IHttpMaxRequestBodySizeFeature.IsReadOnly => BodySizeIsReadOnly;

    private bool BodySizeIsReadOnly => _bodyReader.ReadStarted || HasStarted;

    public long? MaxRequestBodySize
    {
        get => _bodyReader.MaxSize;
        set
        {
            if (BodySizeIsReadOnly)
            {
                throw new InvalidOperationException("The maximum request body size cannot be changed after the body has been read from.");
            }

            if (value is < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), "The maximum request body size cannot be negative.");
            }

            _bodyReader.MaxSize = value;
        }
    }

    // IHttpRequestIdentifierFeature
    public string TraceIdentifier
    {
        get => _traceIdentifier ??= _context.TraceIdentifier;
        set => _traceIdentifier = value;
    }

    // IHttpUpgradeFeature: true only where nginx will tunnel (uwsgi, an Upgrade header, no body); over FastCGI a
    // request that asks for an upgrade is logged with the advice to use uwsgi_pass.
    public bool IsUpgradableRequest => _context.IsUpgradableRequest;

    public Task<Stream> UpgradeAsync() => _context.UpgradeAsync();

    // IGatewayVariablesFeature
    public GatewayVariables Variables => _context.Request.Variables;

    public GatewayProtocol Gateway => _context.Gateway;

    private Task CopyResponseHeaders()
    {
        var response = _context.Response;
        foreach (var (name, values) in _responseHeaders)
        {
            foreach (var value in values)
            {
                if (value is not null)
                {
                    response.Headers.Add(name, value);
                }
            }
        }

        _responseHeaders.IsReadOnly = true;
        return Task.CompletedTask;
    }

    private void FillRequestHeaders(GatewayRequest request)
    {
        _requestHeaders.Clear();
        _requestHeaders.IsReadOnly = false;
        foreach (var index in request.Headers)
        {
            var name = request.GetHeaderName(index);
            var value = request.GetHeaderValue(index);
            _requestHeaders[name] = _requestHeaders.TryGetValue(name, out var existing) ? StringValues.Concat(existing, value) : new StringValues(value);
        }
    }

    private static IPAddress? ParseAddress(ReadOnlySpan<byte> text)
    {
        Span<char> chars = stackalloc char[Math.Min(text.Length, 64)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)text[i];
        }

        return IPAddress.TryParse(chars, out var address) ? address : null;
    }
}
