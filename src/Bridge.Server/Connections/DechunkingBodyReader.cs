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
    private ChunkedBodyState _state;
    private ReadOnlySequence<byte> _lastData;
    private bool _returnedData;
    private bool _failed;

    public DechunkingBodyReader(ServerContext server)
        : base(server)
    {
    }

    public void Reset(PipeReader input, BridgeConnection connection, GatewayContext? context)
    {
        Attach(input, connection, context);
        _state = default;
        _lastData = default;
        _returnedData = false;
        _failed = false;
    }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfCompleted();
        while (true)
        {
            if (_state.IsCompleted)
            {
                return new ReadResult(default, isCanceled: false, isCompleted: true);
            }

            ThrowIfFailed();
            var result = await ReadInputAsync(cancellationToken).ConfigureAwait(false);
            if (TryDecode(result, draining: false, out var decoded))
            {
                return decoded;
            }
        }
    }

    public override bool TryRead(out ReadResult result)
    {
        ThrowIfCompleted();
        while (true)
        {
            if (_state.IsCompleted)
            {
                result = new ReadResult(default, isCanceled: false, isCompleted: true);
                return true;
            }

            ThrowIfFailed();
            if (!Input.TryRead(out var inner))
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
        Input.AdvanceTo(consumed, examined);
        _lastData = default;
    }

    public override async ValueTask<bool> DrainAsync()
    {
        while (!_state.IsCompleted && !_failed)
        {
            var result = await ReadInputAsync(CancellationToken.None).ConfigureAwait(false);
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
            Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            _failed = true;
            if (draining)
            {
                Server.ProtocolLogger.Rejected(Connection.Id, "uwsgi", ex.Reason, ex.Message);
            }

            throw new RequestRejectedException(400, ex.Message, ex);
        }

        if (Server.Limits.MaxRequestBodySize is { } max && _state.AnnouncedLength > max)
        {
            // Known from the chunk-size line, before its data is read.
            Input.AdvanceTo(buffer.Start, buffer.Start);
            _failed = true;
            if (draining)
            {
                Server.ProtocolLogger.BodyTooLarge(Connection.Id, _state.AnnouncedLength, max);
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

        Input.AdvanceTo(buffer.Start, buffer.End);
        if (found || result.IsCanceled)
        {
            decoded = new ReadResult(default, result.IsCanceled, isCompleted: found); // the end (trailers read), or a cancelled read
            return true;
        }

        if (result.IsCompleted)
        {
            _failed = true;
            Server.ProtocolLogger.BodyTruncated(Connection.Id, _state.DecodedLength, _state.AnnouncedLength);
            Context?.CancelRequest();
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
