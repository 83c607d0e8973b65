using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Bridge.Server.Gateway;

namespace Bridge.Server.Connections;

/// <summary>
/// A uwsgi request body read in place from the connection: by CONTENT_LENGTH, or de-chunked. One per connection,
/// reset for each request; what both ways share: the connection's input, the timed read of it, and the PipeReader
/// members that only pass through.
/// </summary>
internal abstract class UwsgiBodyReader : PipeReader
{
    private bool _completed;

    protected UwsgiBodyReader(ServerContext server) => Server = server;

    protected ServerContext Server { get; }

    protected PipeReader Input { get; private set; } = null!;

    protected BridgeConnection Connection { get; private set; } = null!;

    /// <summary>The request the body belongs to; null while a body is only drained (its request was answered without it).</summary>
    protected GatewayContext? Context { get; private set; }

    /// <summary>
    /// Reads and drops what the app left unread (closing on unread body bytes makes nginx answer 502). false when
    /// the body could not be read to its end: the connection must close.
    /// </summary>
    public abstract ValueTask<bool> DrainAsync();

    public sealed override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public sealed override void CancelPendingRead() => Input.CancelPendingRead();

    public sealed override void Complete(Exception? exception = null) => _completed = true;

    /// <summary>Starts a new body on <paramref name="input"/>.</summary>
    protected void Attach(PipeReader input, BridgeConnection connection, GatewayContext? context)
    {
        Input = input;
        Connection = connection;
        Context = context;
        _completed = false;
    }

    protected void ThrowIfCompleted() => ObjectDisposedException.ThrowIf(_completed, this);

    // One read of the connection's input for the body (the app's or the drain's), timed as a body read
    // (BridgeConnection.BodyReadStarted). Pooled: the reads of a body that arrives slowly allocate no state machine each.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    protected async ValueTask<ReadResult> ReadInputAsync(CancellationToken cancellationToken)
    {
        Connection.BodyReadStarted();
        try
        {
            return await Input.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Connection.BodyReadEnded();
        }
    }
}
