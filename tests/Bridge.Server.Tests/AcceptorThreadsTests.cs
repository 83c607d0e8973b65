using System.Collections.Concurrent;
using System.Net.Sockets;
using Bridge.Server.Tests.Infrastructure;
using Bridge.Server.Transport;

namespace Bridge.Server.Tests;

/// <summary>
/// The I/O threads of a listener: a burst of connections that each hold their thread adds threads; the next burst
/// reuses them (parked, not ended); surplus threads end after the idle timeout; stop leaves none accepting.
/// </summary>
public sealed class AcceptorThreadsTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly string _path = Path.Combine(Directory.CreateTempSubdirectory("bat-").FullName, "a.sock");
    private readonly Socket _listen = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly string _threadName = NativeThreads.UniqueName("bat");
    private readonly SemaphoreSlim _served = new(0);
    private readonly SemaphoreSlim _finished = new(0);

    public AcceptorThreadsTests()
    {
        _listen.Bind(new UnixDomainSocketEndPoint(_path));
        _listen.Listen(64);
        _listen.Blocking = false;
    }

    public void Dispose()
    {
        _listen.Dispose();
        _served.Dispose();
        _finished.Dispose();
    }

    [Fact]
    public async Task A_second_burst_reuses_the_threads_of_the_first_and_surplus_ones_end_when_idle()
    {
        using var hold = new ManualResetEventSlim();
        var threads = new ConcurrentBag<(int Burst, int Thread)>();
        var burst = 1;
        using var acceptors = new AcceptorThreads(_listen, _threadName, maxThreads: 32, socket =>
        {
            try
            {
                threads.Add((Volatile.Read(ref burst), Environment.CurrentManagedThreadId));
                _served.Release();
                hold.Wait(Timeout); // this thread stays with its connection, as a blocking read would
                socket.Dispose();
            }
            finally
            {
                _finished.Release();
            }
        }, _ => true, () => { }, idleTimeoutMs: 2_000);
        acceptors.Start();

        var held = await BurstAsync(8, hold, acceptors);
        Assert.True(held >= 8, $"8 connections held at once need 8 threads, had {held}");

        Volatile.Write(ref burst, 2);
        await BurstAsync(8, hold, acceptors);
        var first = threads.Where(t => t.Burst == 1).Select(t => t.Thread).ToHashSet();
        var fresh = threads.Where(t => t.Burst == 2 && !first.Contains(t.Thread)).Count();
        Assert.True(fresh <= 1, $"the second burst runs on the first one's (parked) threads; {fresh} new");

        // No event says a thread ended: poll the count, bounded.
        var deadline = DateTime.UtcNow + Timeout;
        while (acceptors.ThreadCount > acceptors.MaxIdle && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(acceptors.MaxIdle, acceptors.ThreadCount); // the surplus ended after 2 s idle
        await acceptors.StopAsync();
    }

    // Connects count clients whose connections each hold a thread; returns the threads alive while all are held.
    // Returns once every thread has let its connection go and is parked or back to accepting (blocked, not running).
    private async Task<int> BurstAsync(int count, ManualResetEventSlim hold, AcceptorThreads acceptors)
    {
        hold.Reset();
        var clients = new List<Socket>();
        for (var i = 0; i < count; i++)
        {
            var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await client.ConnectAsync(new UnixDomainSocketEndPoint(_path));
            clients.Add(client);
        }

        for (var i = 0; i < count; i++)
        {
            Assert.True(await _served.WaitAsync(Timeout), $"only {i} of {count} connections were being served at once"); // all held at once: one thread each
        }

        var alive = acceptors.ThreadCount;
        hold.Set();
        foreach (var client in clients)
        {
            client.Dispose();
        }

        for (var i = 0; i < count; i++)
        {
            Assert.True(await _finished.WaitAsync(Timeout), $"only {i} of {count} threads let their connection go");
        }

        await NativeThreads.WaitUntilAllBlockedAsync(_threadName, acceptors.MaxIdle, Timeout); // parked or accepting
        return alive;
    }
}
