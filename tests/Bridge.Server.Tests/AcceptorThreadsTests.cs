using System.Net.Sockets;
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

    public AcceptorThreadsTests()
    {
        _listen.Bind(new UnixDomainSocketEndPoint(_path));
        _listen.Listen(64);
        _listen.Blocking = false;
    }

    public void Dispose() => _listen.Dispose();

    [Fact]
    public async Task A_second_burst_reuses_the_threads_of_the_first_and_surplus_ones_end_when_idle()
    {
        var hold = new ManualResetEventSlim();
        var served = 0;
        var threads = new System.Collections.Concurrent.ConcurrentBag<(int Burst, int Thread)>();
        var burst = 1;
        using var acceptors = new AcceptorThreads(_listen, "test I/O", maxThreads: 32, socket =>
        {
            threads.Add((Volatile.Read(ref burst), Environment.CurrentManagedThreadId));
            Interlocked.Increment(ref served);
            hold.Wait(Timeout); // this thread stays with its connection, as a blocking read would
            socket.Dispose();
        }, _ => true, () => { }, idleTimeoutMs: 2_000);
        acceptors.Start();

        var held = await BurstAsync(8, hold, () => Volatile.Read(ref served), 8, () => acceptors.ThreadCount);
        Assert.True(held >= 8, $"8 connections held at once need 8 threads, had {held}");

        Volatile.Write(ref burst, 2);
        await BurstAsync(8, hold, () => Volatile.Read(ref served), 16, () => acceptors.ThreadCount);
        var first = threads.Where(t => t.Burst == 1).Select(t => t.Thread).ToHashSet();
        var fresh = threads.Where(t => t.Burst == 2 && !first.Contains(t.Thread)).Count();
        Assert.True(fresh <= 1, $"the second burst runs on the first one's (parked) threads; {fresh} new");

        var deadline = DateTime.UtcNow + Timeout;
        while (acceptors.ThreadCount > acceptors.MaxIdle && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(acceptors.MaxIdle, acceptors.ThreadCount); // the surplus ended after 2 s idle
        await acceptors.StopAsync();
    }

    // Connects count clients whose connections each hold a thread; returns the threads alive while all are held.
    private async Task<int> BurstAsync(int count, ManualResetEventSlim hold, Func<int> served, int expected, Func<int> threads)
    {
        hold.Reset();
        var clients = new List<Socket>();
        for (var i = 0; i < count; i++)
        {
            var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await client.ConnectAsync(new UnixDomainSocketEndPoint(_path));
            clients.Add(client);
        }

        var deadline = DateTime.UtcNow + Timeout;
        while (served() < expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal(expected, served()); // all held at once: one thread each
        var alive = threads();
        hold.Set();
        foreach (var client in clients)
        {
            client.Dispose();
        }

        await Task.Delay(100); // the threads finish and park
        return alive;
    }
}
