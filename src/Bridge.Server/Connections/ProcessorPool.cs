using System.Collections.Concurrent;

namespace Bridge.Server.Connections;

/// <summary>
/// Keeps per-connection processors (with their buffers, contexts and pipes) for reuse: nginx opens a new uwsgi
/// connection per request, so connection set-up is on the hot path.
/// </summary>
internal sealed class ProcessorPool<T>(Func<T> create, Func<T, BridgeConnection, Task> run, Func<T, bool> reusable, Action<T> recycle, int capacity)
    where T : class
{
    private readonly ConcurrentQueue<T> _items = new();
    private int _count;

    public async Task RunAsync(BridgeConnection connection)
    {
        T? item = null;
        if (_items.TryDequeue(out item))
        {
            Interlocked.Decrement(ref _count);
        }

        item ??= create();
        try
        {
            await run(item, connection).ConfigureAwait(false);
        }
        finally
        {
            if (reusable(item) && Interlocked.Increment(ref _count) <= capacity)
            {
                recycle(item);
                _items.Enqueue(item);
            }
            else if (reusable(item))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }
}
