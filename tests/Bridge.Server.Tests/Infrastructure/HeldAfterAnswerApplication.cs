using System.Threading.Channels;
using Bridge.Server.Gateway;

namespace Bridge.Server.Tests.Infrastructure;

/// <summary>
/// Runs <paramref name="inner"/>; a request that <paramref name="hold"/> picks does not return from the app once
/// answered, but waits until the next request has reached the app (bounded by <see cref="Wire.Timeout"/>). Its
/// access line and OnCompleted callbacks then come after the next request's variables have arrived: the order a
/// busy front end gives by chance, made certain.
/// </summary>
internal sealed class HeldAfterAnswerApplication(IGatewayApplication inner, Func<GatewayContext, bool> hold) : IGatewayApplication
{
    private readonly Channel<bool> _arrivals = Channel.CreateUnbounded<bool>();
    private int _unreleased;

    /// <summary>Held requests whose next request did not come within the timeout.</summary>
    public int Unreleased => Volatile.Read(ref _unreleased);

    public async Task ProcessAsync(GatewayContext context)
    {
        var held = hold(context);
        if (!held)
        {
            _arrivals.Writer.TryWrite(true);
        }

        await inner.ProcessAsync(context);
        if (held)
        {
            using var timeout = new CancellationTokenSource(Wire.Timeout);
            try
            {
                await _arrivals.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _unreleased);
            }
        }
    }
}
