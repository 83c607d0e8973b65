using System.Buffers;
using System.IO.Pipelines;
using Bridge.Protocol.FastCgi;
using Bridge.Protocol.Gateway;
using Bridge.Protocol.Http;
using Bridge.Server.Gateway;

namespace Bridge.Server.Connections;

/// <summary>
/// One FastCGI request on a connection. STDIN is copied into a pipe the app reads; the response goes out as
/// STDOUT records with this request's id. END_REQUEST is written as soon as the response has ended or the app has
/// finished, in the same send as the end of STDOUT: nginx keeps a connection only if END_REQUEST ends what it
/// read (reference §2.10). It does not wait for the rest of STDIN: nginx stops sending a request body once it has
/// passed the response's head on to its client, so an answer given before the body was read (a 401, a 413, an
/// ABORT_REQUEST) would otherwise wait for STDIN that never comes (protocol-spec/fastcgi.md §12). STDIN that
/// still arrives for the id afterwards is skipped, and the app, if it still reads, gets an error.
/// </summary>
/// <remarks>
/// Ownership: the request owns its variables (PARAMS are decoded into them), its body pipe and its context from
/// BEGIN_REQUEST until both END_REQUEST has been written and its app has finished, OnCompleted callbacks
/// included; only then does the connection take it back for another request (<see cref="TryRelease"/>). END_REQUEST
/// frees the id at once, so the next request may take the same id while this one's handler still runs: it gets
/// another object. The read loop owns the body pipe's writer; the app owns its reader until it finishes. A request
/// abandoned at its deadline is never reused.
/// </remarks>
internal sealed class FastCgiRequest : IResponseChannel
{
    private static readonly PipeOptions BodyPipeOptions = new(
        pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024, useSynchronizationContext: false);

    private readonly FastCgiConnectionProcessor _connection;
    private readonly Pipe _body = new(BodyPipeOptions);
    private readonly object _state = new();
    private long _bodyReceived;
    private long? _contentLength;
    private bool _appFinished;
    private bool _responseEnded;
    private bool _stdinComplete;
    private bool _ended;
    private bool _released;
    private bool _endAwaitingFlush;
    private bool _bodyAbandoned;        // read loop only: STDIN is dropped from now on
    private volatile bool _dropBody;    // asked by another thread (the request was abandoned)

    public FastCgiRequest(FastCgiConnectionProcessor connection, ServerContext server)
    {
        _connection = connection;
        Context = new GatewayContext(server);
    }

    public ushort RequestId { get; private set; }

    public bool KeepConnection { get; private set; }

    public bool Started { get; private set; }

    /// <summary>The app runs and the empty STDIN has not arrived yet.</summary>
    public bool AwaitingStdin => Started && !_stdinComplete;

    /// <summary>END_REQUEST went out before the empty STDIN arrived: the rest of the body is skipped, and nginx will not reuse the connection.</summary>
    public bool EndedBeforeStdin { get; private set; }

    /// <summary>This request's variables, decoded into by the connection's decoder.</summary>
    public GatewayVariables Variables { get; } = new();

    public GatewayContext Context { get; }

    public void Begin(ushort requestId, bool keepConnection)
    {
        RequestId = requestId;
        KeepConnection = keepConnection;
        Started = false;
        _appFinished = _responseEnded = _stdinComplete = _ended = _released = _endAwaitingFlush = _bodyAbandoned = false;
        _dropBody = false;
        EndedBeforeStdin = false;
        _bodyReceived = 0;
        _contentLength = null;
        _body.Writer.Complete(); // Reset needs both ends completed; completing twice is harmless
        _body.Reader.Complete();
        _body.Reset();
    }

    /// <summary>The params are complete: the request can run.</summary>
    public void Start(long connectionNumber)
    {
        Started = true;
        _contentLength = Variables.ContentLength;
        Context.Initialize(GatewayProtocol.FastCgi, connectionNumber, RequestId, Variables, _body.Reader, this);
    }

    /// <summary>Marks the request as refused before the app ran (413): STDIN is dropped, nothing else happens.</summary>
    public void Skip()
    {
        lock (_state)
        {
            _appFinished = true;
            _bodyAbandoned = true;
        }
    }

    /// <summary>
    /// The request was abandoned at its deadline (from the app's runner): the read loop drops the rest of STDIN
    /// instead of feeding a reader nobody empties, and a write waiting for room returns.
    /// </summary>
    public void DropBody()
    {
        _dropBody = true;
        _body.Writer.CancelPendingFlush();
    }

    /// <summary>Read loop: copies STDIN into the body pipe, with backpressure; drops it once the app is done with the body.</summary>
    public async ValueTask<bool> WriteBodyAsync(ReadOnlySequence<byte> data, long? maxBodySize)
    {
        if (_bodyAbandoned || AbandonIfDropped())
        {
            return true;
        }

        var take = data.Length;
        if (_contentLength is { } declared)
        {
            take = Math.Clamp(declared - _bodyReceived, 0, take); // bytes past CONTENT_LENGTH are ignored
        }

        _bodyReceived += data.Length;
        if (maxBodySize is { } max && _bodyReceived > max)
        {
            await _body.Writer.CompleteAsync(new RequestBodyTooLargeException(max)).ConfigureAwait(false);
            _bodyAbandoned = true;
            return false;
        }

        foreach (var segment in data.Slice(0, take))
        {
            _body.Writer.Write(segment.Span);
        }

        var result = await _body.Writer.FlushAsync().ConfigureAwait(false);
        if (result.IsCompleted)
        {
            _bodyAbandoned = true; // the app completed its reader: drop the rest
        }
        else
        {
            AbandonIfDropped();
        }

        return true;
    }

    /// <summary>Read loop: the empty STDIN arrived. Returns true when END_REQUEST is now due.</summary>
    public bool CompleteBody()
    {
        if (!_bodyAbandoned && !AbandonIfDropped())
        {
            var error = _contentLength is { } declared && _bodyReceived < declared
                ? new IOException($"The request body ended after {_bodyReceived} of {declared} bytes.")
                : null;
            _body.Writer.Complete(error);
        }

        lock (_state)
        {
            _stdinComplete = true;
            return TakeEnd();
        }
    }

    /// <summary>
    /// The app has finished (its OnCompleted callbacks too): its body reader is completed, the rest of STDIN
    /// dropped. Returns true when END_REQUEST is now due.
    /// </summary>
    public bool FinishApplication()
    {
        _body.Reader.Complete();
        lock (_state)
        {
            _appFinished = true;
            return TakeEnd();
        }
    }

    /// <summary>True once, when END_REQUEST has been written and the app has finished: the object may be reused.</summary>
    public bool TryRelease()
    {
        lock (_state)
        {
            if (_released || !_ended || !_appFinished)
            {
                return false;
            }

            _released = true;
            return !Context.Abandoned;
        }
    }

    /// <summary>
    /// Read loop, as the id is freed after an END_REQUEST that came before the empty STDIN: STDIN for the id is
    /// skipped from now on, so an app still reading its body gets an error rather than a wait without end.
    /// </summary>
    public void OnEndedBeforeStdin()
    {
        if (!_bodyAbandoned)
        {
            _bodyAbandoned = true;
            _body.Writer.Complete(new IOException("The request ended before its body arrived: the front end stops sending a body once the response has started."));
        }
    }

    /// <summary>Read loop: the connection is gone or being torn down: the app's body reads fail, its token fires.</summary>
    public void AbortFromConnection()
    {
        if (!_bodyAbandoned)
        {
            _bodyAbandoned = true;
            _body.Writer.Complete(new FrontEndClosedException("The front end closed the connection."));
        }

        Context.CancelRequest();
    }

    public ValueTask AcquireAsync(CancellationToken cancellationToken) => _connection.AcquireOutputAsync(cancellationToken);

    public void Release() => _connection.ReleaseOutput();

    public int WriteHead(int statusCode, string? reasonPhrase, ReadOnlySpan<ResponseHeader> headers)
        => FastCgiRecordWriter.WriteHead(_connection.Output, RequestId, statusCode, reasonPhrase, headers);

    public void WriteBody(ReadOnlySpan<byte> data) => FastCgiRecordWriter.WriteStdout(_connection.Output, RequestId, data);

    // Under the output lock. With STDIN complete, END_REQUEST follows at once and goes out with the next flush.
    public void WriteEnd()
    {
        FastCgiRecordWriter.WriteEndOfStream(_connection.Output, FastCgiRecordType.Stdout, RequestId);
        bool endNow;
        lock (_state)
        {
            _responseEnded = true;
            endNow = TakeEnd();
        }

        if (endNow)
        {
            _connection.WriteEndRequest(this);
            _endAwaitingFlush = true;
        }
    }

    public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken)
    {
        var output = _connection.Output;
        if (!_endAwaitingFlush)
        {
            return output.CanGetUnflushedBytes && output.UnflushedBytes == 0 ? default : output.FlushAsync(cancellationToken);
        }

        _endAwaitingFlush = false;
        return FlushEndAsync(output, cancellationToken);
    }

    public void Abort(string reason) => _connection.Abort(reason);

    private async ValueTask<FlushResult> FlushEndAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        try
        {
            return await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connection.AfterEndRequest(this);
        }
    }

    // Read loop: turns a drop asked for by another thread into the writer's completion, which only the loop may do.
    private bool AbandonIfDropped()
    {
        if (!_dropBody || _bodyAbandoned)
        {
            return _bodyAbandoned;
        }

        _bodyAbandoned = true;
        _body.Writer.Complete(new RequestAbortedException("The request ran past Bridge:Limits:RequestTimeout."));
        return true;
    }

    // Under _state. END_REQUEST is due once the app has finished or its response has ended, STDIN complete or not.
    private bool TakeEnd()
    {
        if (_ended || !(_appFinished || _responseEnded))
        {
            return false;
        }

        _ended = true;
        EndedBeforeStdin = !_stdinComplete;
        return true;
    }
}
