using System.Collections.Concurrent;

namespace Bridge.Server.Connections;

/// <summary>
/// Keeps per-connection processors (with their buffers, contexts and pipes) for reuse: nginx opens a new uwsgi
/// connection per request, so connection set-up is on the hot path. A processor is rented by one connection and
/// given back by it, recycled, once it <see cref="IConnectionProcessor.IsReusable"/>; one that is not is dropped.
/// </summary>
internal sealed class ProcessorPool<T>(Func<T> create, int capacity)
    where T : class, IConnectionProcessor
{
    private readonly ConcurrentQueue<T> _items = new();
    private int _count;

    public T Rent()
    {
        if (_items.TryDequeue(out var item))
        {
            Interlocked.Decrement(ref _count);
            return item;
        }

        return create();
    }

    /// <summary>Takes back a processor whose connection has ended; it must be reusable.</summary>
    public void Return(T item)
    {
        item.Recycle();
        if (Interlocked.Increment(ref _count) <= capacity)
        {
            _items.Enqueue(item);
        }
        else
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
