using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Bridge.AspNetCore;

/// <summary>
/// The request body with the per-request size limit of <c>IHttpMaxRequestBodySizeFeature</c> (e.g. an endpoint's
/// <c>[RequestSizeLimit]</c>): past it, reads throw a 413 <see cref="BadHttpRequestException"/>, as on Kestrel.
/// The server's own limit (Bridge:Limits:MaxRequestBodySize) is enforced below this, before the app runs.
/// </summary>
internal sealed class LimitedBodyReader : PipeReader
{
    private PipeReader _inner = null!;
    private long? _declaredLength;
    private long _consumed;
    private ReadOnlySequence<byte> _last;

    public long? MaxSize { get; set; }

    public bool ReadStarted { get; private set; }

    public void Reset(PipeReader inner, long? declaredLength, long? maxSize)
    {
        _inner = inner;
        _declaredLength = declaredLength;
        MaxSize = maxSize;
        _consumed = 0;
        _last = default;
        ReadStarted = false;
    }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        CheckDeclared();
        var result = await _inner.ReadAsync(cancellationToken).ConfigureAwait(false);
        return Check(result);
    }

    public override bool TryRead(out ReadResult result)
    {
        CheckDeclared();
        if (!_inner.TryRead(out result))
        {
            return false;
        }

        result = Check(result);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _consumed += _last.IsEmpty ? 0 : _last.Slice(0, consumed).Length;
        _last = default;
        _inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    private void CheckDeclared()
    {
        ReadStarted = true;
        if (MaxSize is { } max && _declaredLength > max)
        {
            throw TooLarge(max);
        }
    }

    private ReadResult Check(ReadResult result)
    {
        if (MaxSize is { } max && _consumed + result.Buffer.Length > max)
        {
            _inner.AdvanceTo(result.Buffer.Start);
            throw TooLarge(max);
        }

        _last = result.Buffer;
        return result;
    }

    private static BadHttpRequestException TooLarge(long max)
        => new($"Request body too large. The max request body size is {max} bytes.", StatusCodes.Status413PayloadTooLarge);
}
