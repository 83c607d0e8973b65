using System.IO.Pipelines;
using Bridge.Server.Gateway;
using Microsoft.AspNetCore.Http;

namespace Bridge.AspNetCore;

/// <summary>
/// The response body writer the app gets. Until the head goes out, the app's Content-Length lives in its header
/// dictionary (copied to the gateway response when the response starts), so a write past it is caught here, at the
/// write, as Kestrel does; once the response has started the gateway writer checks it itself.
/// </summary>
internal sealed class DeclaredLengthWriter : PipeWriter
{
    private GatewayContext _context = null!;
    private IHeaderDictionary _headers = null!;
    private bool _isHead;

    private PipeWriter Inner => _context.Response.Body;

    public override bool CanGetUnflushedBytes => Inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => Inner.UnflushedBytes;

    public void Reset(GatewayContext context, IHeaderDictionary headers)
    {
        _context = context;
        _headers = headers;
        _isHead = HttpMethods.IsHead(context.Request.Method);
    }

    public override void Advance(int bytes)
    {
        Check(bytes);
        Inner.Advance(bytes);
    }

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        Check(source.Length);
        return Inner.WriteAsync(source, cancellationToken);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => Inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => Inner.GetSpan(sizeHint);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => Inner.FlushAsync(cancellationToken);

    public override void CancelPendingFlush() => Inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => Inner.Complete(exception);

    private void Check(int bytes)
    {
        if (!_isHead && !_context.Response.HasStarted && _headers.ContentLength is { } declared && _context.Response.BytesWritten + bytes > declared)
        {
            throw new InvalidOperationException($"Response Content-Length mismatch: too many bytes written ({_context.Response.BytesWritten + bytes} of {declared}).");
        }
    }
}
