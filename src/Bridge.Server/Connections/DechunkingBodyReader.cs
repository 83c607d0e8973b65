using System.Buffers;
using System.IO.Pipelines;
using Bridge.Protocol;
using Bridge.Protocol.Http;
using Bridge.Server.Gateway;
using Bridge.Server.Logging;


namespace Bridge.Server.Connections;

/// <summary>
/// A uwsgi request body that arrives with its chunk framing (uWSGI's HTTP router with <c>--http-chunked-input</c>),
/// de-chunked in place: each read returns data of one chunk as a slice of the connection's buffer, with no copy.
/// Bad framing is a 400 and a closed connection (log 201); a body that grows past Bridge:Limits:MaxRequestBodySize
/// is a 413 (<see cref="RequestBodyTooLargeException"/>, log 202) and a closed connection, never read to its end.
/// </summary>
internal sealed class DechunkingBodyReader : UwsgiBodyReader
{
    private readonly ServerContext _server;
    private PipeReader _input = null!;
    private BridgeConnection _connection = null!;
    private GatewayContext? _context;
    private ChunkedBodyState _state;
    private ReadOnlySequence<byte> _lastData;
    private bool _returnedData;
    private bool _completed;
    private bool _failed;

    public DechunkingBodyReader(ServerContext server) => _server = server;

    public void Reset(PipeReader input, BridgeConnection connection, GatewayContext? context)
    {
        _input = input;
        _connection = connection;
        _context = context;
        _state = default;
        _lastData = default;
        _returnedData = false;
        _completed = false;
        _failed = false;
    }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        while (true)
        {
            if (_state.IsCompleted)
            {
                return new ReadResult(default, isCanceled: false, isCompleted: true);
            }

            ThrowIfFailed();
            _connection.BodyReadStarted();
            ReadResult result;
            try
            {
                result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _connection.BodyReadEnded();
            }

            if (TryDecode(result, draining: false, out var decoded))
            {
                return decoded;
            }
        }
    }

    public override bool TryRead(out ReadResult result)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        while (true)
        {
            if (_state.IsCompleted)
            {
                result = new ReadResult(default, isCanceled: false, isCompleted: true);
                return true;
            }

            ThrowIfFailed();
            if (!_input.TryRead(out var inner))
            {
                result = default;
                return false;
            }

            if (TryDecode(inner, draining: false, out result))
            {
                return true;
            }
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (!_returnedData)
        {
            return; // the completed empty result
        }

        _returnedData = false;
        _state.Consume(_lastData.Slice(0, consumed).Length);
        // Examined to the end of one chunk's data is not the end of what the connection holds when the next chunk's
        // framing is buffered after it: the input then reads those bytes again at once instead of waiting.
        _input.AdvanceTo(consumed, examined);
        _lastData = default;
    }

    public override void CancelPendingRead() => _input.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _completed = true;

    public override async ValueTask<bool> DrainAsync()
    {
        while (!_state.IsCompleted && !_failed)
        {
            _connection.BodyReadStarted();
            ReadResult result;
            try
            {
                result = await _input.ReadAsync().ConfigureAwait(false);
            }
            finally
            {
                _connection.BodyReadEnded();
            }

            try
            {
                if (TryDecode(result, draining: true, out var decoded) && !decoded.IsCompleted)
                {
                    AdvanceTo(decoded.Buffer.End);
                }
            }
            catch (Exception ex) when (ex is RequestRejectedException or RequestBodyTooLargeException or IOException)
            {
                return false; // logged where it was found
            }
        }

        return !_failed;
    }

    // Decodes framing from what the connection read. true: a result for the caller (data of one chunk, or the end);
    // false: the input was advanced past the framing it held, read again. While the app reads, its failure is logged
    // once by the request (a rejection, 311); while draining, after the response, it is logged here.
    private bool TryDecode(ReadResult result, bool draining, out ReadResult decoded)
    {
        var buffer = result.Buffer;
        bool found;
        ReadOnlySequence<byte> data;
        try
        {
            found = ChunkedBodyReader.TryRead(ref buffer, ref _state, out data);
        }
        catch (GatewayProtocolException ex)
        {
            _input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            _failed = true;
            if (draining)
            {
                _server.ProtocolLogger.Rejected(_connection.Id, "uwsgi", ex.Reason, ex.Message);
            }

            throw new RequestRejectedException(400, ex.Message, ex);
        }

        if (_server.Limits.MaxRequestBodySize is { } max && _state.AnnouncedLength > max)
        {
            // Known from the chunk-size line, before its data is read.
            _input.AdvanceTo(buffer.Start, buffer.Start);
            _failed = true;
            if (draining)
            {
                _server.ProtocolLogger.BodyTooLarge(_connection.Id, _state.AnnouncedLength, max);
            }

            throw new RequestBodyTooLargeException(max);
        }

        if (found && !data.IsEmpty)
        {
            _lastData = data;
            _returnedData = true;
            decoded = new ReadResult(data, result.IsCanceled, isCompleted: false);
            return true;
        }

        _input.AdvanceTo(buffer.Start, buffer.End);
        if (found || result.IsCanceled)
        {
            decoded = new ReadResult(default, result.IsCanceled, isCompleted: found); // the end (trailers read), or a cancelled read
            return true;
        }

        if (result.IsCompleted)
        {
            _failed = true;
            _server.ProtocolLogger.BodyTruncated(_connection.Id, _state.DecodedLength, _state.AnnouncedLength);
            _context?.CancelRequest();
            throw new IOException("The front end closed the connection before the end of the chunked request body.");
        }

        decoded = default;
        return false;
    }

    private void ThrowIfFailed()
    {
        if (_failed)
        {
            throw new IOException("The chunked request body could not be read.");
        }
    }
}
