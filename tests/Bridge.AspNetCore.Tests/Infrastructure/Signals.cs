using System.Collections.Concurrent;

namespace Bridge.AspNetCore.Tests.Infrastructure;

/// <summary>Named one-shot signals with values, set by endpoints and awaited (with a timeout) by tests.</summary>
internal sealed class Signals
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<object?>> _signals = new();

    public void Set(string name, object? value = null) => Get(name).TrySetResult(value);

    public bool IsSet(string name) => Get(name).Task.IsCompleted;

    public async Task<object?> WaitAsync(string name, TimeSpan? timeout = null)
    {
        try
        {
            return await Get(name).Task.WaitAsync(timeout ?? Wire.Timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Signal '{name}' was not set within {timeout ?? Wire.Timeout}.");
            throw;
        }
    }

    /// <summary>A task that completes when the signal is set (for an endpoint to wait on).</summary>
    public Task<object?> Task(string name) => Get(name).Task;

    private TaskCompletionSource<object?> Get(string name)
        => _signals.GetOrAdd(name, static _ => new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously));
}
