using System.IO.Pipelines;

namespace Bridge.Server.Gateway;

/// <summary>
/// The response: status, headers and body. Nothing reaches the front end until the app flushes, calls
/// <see cref="StartAsync(CancellationToken)"/> or finishes; until then the status and headers may change.
/// </summary>
public sealed class GatewayResponse
{
    private readonly GatewayContext _context;
    private int _statusCode = 200;
    private long? _contentLength;
    private Stream? _bodyStream;
    private Stack<(Func<object, Task> Callback, object State)>? _onStarting;
    private Stack<(Func<object, Task> Callback, object State)>? _onCompleted;

    internal GatewayResponse(GatewayContext context)
    {
        _context = context;
        Headers = new GatewayResponseHeaders(this);
        Writer = new ResponseBodyWriter(context);
    }

    /// <summary>The status code, 200 unless set. 1xx codes are refused when the head is written (nginx takes them as final).</summary>
    public int StatusCode
    {
        get => _statusCode;
        set
        {
            ThrowIfStarted();
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 100);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 999);
            _statusCode = value;
        }
    }

    /// <summary>The reason phrase; null for the standard one.</summary>
    public string? ReasonPhrase { get; set; }

    /// <summary>The response headers.</summary>
    public GatewayResponseHeaders Headers { get; }

    /// <summary>
    /// The Content-Length to send; null for none, in which case a response that finishes without having been
    /// flushed gets the exact length of what was written, and a streamed one ends with the connection (uwsgi)
    /// or END_REQUEST (FastCGI).
    /// </summary>
    public long? ContentLength
    {
        get => _contentLength;
        set
        {
            ThrowIfStarted();
            if (value is < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), "Content-Length cannot be negative.");
            }

            _contentLength = value;
        }
    }

    /// <summary>The body. Writes are buffered until a flush; writing past <see cref="ContentLength"/> throws.</summary>
    public PipeWriter Body => Writer;

    /// <summary>The body as a stream; each write is flushed.</summary>
    public Stream BodyStream => _bodyStream ??= Writer.AsStream(leaveOpen: true);

    /// <summary>True once the head has been sent to the front end.</summary>
    public bool HasStarted { get; internal set; }

    /// <summary>Bytes the app has written to the body so far (a HEAD response's dropped ones too).</summary>
    public long BytesWritten => Writer.BytesWritten;

    /// <summary>Sends the head now (and anything written so far).</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
        => _context.FlushResponseAsync(cancellationToken).AsTask();

    /// <summary>
    /// Starts the response: OnStarting runs and the status and headers are fixed. With <paramref name="flush"/>
    /// false the head is written but not sent: it leaves with the first flush of the body, in one send (what
    /// ASP.NET Core's <c>StartAsync</c> does on Kestrel); with true it is sent now, as <see cref="StartAsync(CancellationToken)"/>.
    /// </summary>
    public Task StartAsync(bool flush, CancellationToken cancellationToken = default)
        => flush ? StartAsync(cancellationToken) : _context.StartResponseAsync(cancellationToken).AsTask();

    /// <summary>Ends the response now: the front end gets all of it, while the app may go on working.</summary>
    public Task CompleteAsync() => _context.CompleteResponseAsync().AsTask();

    /// <summary>
    /// Registers a callback to run just before the head is sent (last registered runs first, as in ASP.NET Core).
    /// A callback may still change the status and headers.
    /// </summary>
    public void OnStarting(Func<object, Task> callback, object state)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ThrowIfStarted();
        (_onStarting ??= new()).Push((callback, state));
    }

    /// <summary>Registers a callback to run once the response has been sent (last registered runs first).</summary>
    public void OnCompleted(Func<object, Task> callback, object state)
    {
        ArgumentNullException.ThrowIfNull(callback);
        (_onCompleted ??= new()).Push((callback, state));
    }

    internal ResponseBodyWriter Writer { get; }

    internal async ValueTask RunOnStartingAsync()
    {
        while (_onStarting is not null && _onStarting.TryPop(out var entry))
        {
            await entry.Callback(entry.State).ConfigureAwait(false);
        }
    }

    /// <summary>Runs every OnCompleted callback; their failures are returned for logging, not thrown.</summary>
    internal async ValueTask<Exception?> RunOnCompletedAsync()
    {
        Exception? failure = null;
        while (_onCompleted is not null && _onCompleted.TryPop(out var entry))
        {
            try
            {
                await entry.Callback(entry.State).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                failure ??= ex;
            }
        }

        return failure;
    }

    internal void ThrowIfStarted()
    {
        if (HasStarted)
        {
            throw new InvalidOperationException("The response has already started: its status and headers were sent.");
        }
    }

    internal void Reset()
    {
        _statusCode = 200;
        _contentLength = null;
        ReasonPhrase = null;
        HasStarted = false;
        Headers.Clear();
        _bodyStream = null;
        _onStarting?.Clear();
        _onCompleted?.Clear();
    }

    // Replaces whatever the app prepared with an empty error answer, before anything was sent.
    internal void ResetForError(int statusCode)
    {
        _statusCode = 200;
        ReasonPhrase = null;
        HasStarted = false;
        Headers.Clear();
        _statusCode = statusCode;
        _contentLength = 0;
        Writer.DropWritten(); // else the 500's Content-Length: 0 disagrees with the count and no answer goes out
        _onStarting?.Clear(); // as Kestrel: a failed app's callbacks do not run, nor put its headers on the error answer
    }
}
