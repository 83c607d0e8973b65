using System.Threading.Channels;
using Bridge.Server.Gateway;

namespace Bridge.Server.Tests.Infrastructure;

/// <summary>Wraps an application and reports each request as it starts and as it ends, with how it ended.</summary>
internal sealed class ProbeApplication(IGatewayApplication inner) : IGatewayApplication
{
    private readonly Channel<string> _started = Channel.CreateUnbounded<string>();
    private readonly Channel<(string Path, bool Aborted, Exception? Error)> _ended = Channel.CreateUnbounded<(string, bool, Exception?)>();

    public ProbeApplication(GatewayRequestHandler handler)
        : this(new DelegateApplication(handler))
    {
    }

    public async Task ProcessAsync(GatewayContext context)
    {
        var path = context.Request.Path;
        _started.Writer.TryWrite(path);
        Exception? error = null;
        try
        {
            await inner.ProcessAsync(context);
        }
        catch (Exception ex)
        {
            error = ex;
            throw;
        }
        finally
        {
            _ended.Writer.TryWrite((path, context.RequestAborted.IsCancellationRequested, error));
        }
    }

    /// <summary>Waits for the next request to reach the application; returns its path.</summary>
    public async Task<string> WaitStartedAsync()
    {
        using var cts = Wire.TimeoutSource();
        try
        {
            return await _started.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("No request reached the application.");
            throw;
        }
    }

    /// <summary>Waits for the next request to leave the application.</summary>
    public async Task<(string Path, bool Aborted, Exception? Error)> WaitEndedAsync(TimeSpan? timeout = null)
    {
        using var cts = Wire.TimeoutSource(timeout);
        try
        {
            return await _ended.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("No request left the application in time.");
            throw;
        }
    }

    public bool AnyStarted => _started.Reader.Count > 0;

    /// <summary>How many requests reached the application and were not yet taken by <see cref="WaitStartedAsync"/>.</summary>
    public int StartedCountSoFar() => _started.Reader.Count;
}
