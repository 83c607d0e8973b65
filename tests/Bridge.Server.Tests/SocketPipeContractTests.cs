using System.Net.Sockets;
using Bridge.Server.Tests.Infrastructure;
using Bridge.Server.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Server.Tests;

/// <summary>
/// The socket connection's reader and writer keep the <see cref="System.IO.Pipelines.PipeReader"/> and
/// <see cref="System.IO.Pipelines.PipeWriter"/> contracts: a caller's token is honoured wherever the read waits
/// (also blocked in poll on its I/O thread), a canceled flush neither loses nor repeats a byte, and completing
/// either side with an exception is carried to the peer as an abort.
/// </summary>
public sealed class SocketPipeContractTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly SocketEvents _events = new(NullLogger.Instance);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("bsp-");

    public void Dispose()
    {
        _events.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task A_flush_canceled_while_the_peer_does_not_read_neither_loses_nor_repeats_a_byte()
    {
        var (server, peer) = SocketPair();
        using var peerSocket = peer;
        var connection = new SocketConnection(server, owner: null, TimeProvider.System, _events);
        var first = Pattern(4 * 1024 * 1024, seed: 7);
        var second = Pattern(100_000, seed: 3);
        using var cancel = new CancellationTokenSource();

        Write(connection, first);
        var flush = connection.Output.FlushAsync(cancel.Token);
        Assert.False(flush.IsCompleted); // the peer reads nothing: the socket is full
        Assert.True(connection.Output.PendingSince != 0);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => flush.AsTask().WaitAsync(Timeout));
        Assert.InRange(connection.Output.UnflushedBytes, 1, first.Length - 1); // part went out, the rest is kept

        Write(connection, second);
        var receive = ReceiveExactlyAsync(peer, first.Length + second.Length);
        var result = await connection.Output.FlushAsync().AsTask().WaitAsync(Timeout);

        Assert.False(result.IsCompleted);
        byte[] expected = [.. first, .. second];
        Assert.Equal(expected, await receive.WaitAsync(Timeout));
        connection.CloseSocket();
        Assert.Equal(0, peer.Receive(new byte[1])); // and nothing after them
        connection.ReleaseBuffers();
    }

    [Fact]
    public async Task The_callers_token_ends_a_read_waiting_off_its_io_thread()
    {
        var (server, peer) = SocketPair();
        using var peerSocket = peer;
        var connection = new SocketConnection(server, owner: null, TimeProvider.System, _events);
        using var cancel = new CancellationTokenSource();

        var read = connection.Input.ReadAsync(cancel.Token);
        Assert.False(read.IsCompleted);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.AsTask().WaitAsync(Timeout));
        peer.Send("after"u8);
        var next = await connection.Input.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal("after"u8.ToArray(), System.Buffers.BuffersExtensions.ToArray(next.Buffer)); // nothing was lost to the canceled read
        connection.CloseSocket();
        connection.ReleaseBuffers();
    }

    [Fact]
    public async Task The_callers_token_wakes_a_read_blocked_in_poll_on_its_io_thread()
    {
        var path = Path.Combine(_directory.FullName, "s.sock");
        using var listen = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listen.Bind(new UnixDomainSocketEndPoint(path));
        listen.Listen(16);
        listen.Blocking = false;
        using var cancel = new CancellationTokenSource();
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var outcome = new TaskCompletionSource<(bool OnIoThread, Exception? Error)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var acceptors = new AcceptorThreads(listen, "test I/O", 4, socket =>
        {
            socket.Blocking = false;
            var connection = new SocketConnection(socket, IoThread.Current, TimeProvider.System, _events);
            blocked.SetResult();
            try
            {
                var read = connection.Input.ReadAsync(cancel.Token); // nothing was sent: blocks this thread in poll
                outcome.SetResult((IoThread.Current is not null, read.IsCompleted ? null : new InvalidOperationException("went asynchronous")));
            }
            catch (OperationCanceledException ex)
            {
                outcome.SetResult((IoThread.Current is not null, ex));
            }
            finally
            {
                connection.CloseSocket();
                connection.ReleaseBuffers();
            }
        }, _ => true, () => { });
        acceptors.Start();
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path));
        await blocked.Task.WaitAsync(Timeout);

        await cancel.CancelAsync();

        var (onIoThread, error) = await outcome.Task.WaitAsync(Timeout);
        Assert.True(onIoThread);
        Assert.IsAssignableFrom<OperationCanceledException>(error);
        await acceptors.StopAsync();
    }

    [Fact]
    public async Task Completing_the_writer_with_an_exception_aborts_the_connection()
    {
        var (server, peer) = SocketPair();
        using var peerSocket = peer;
        var connection = new SocketConnection(server, owner: null, TimeProvider.System, _events);

        await connection.Output.CompleteAsync(new InvalidOperationException("the response broke"));

        Assert.True(connection.IsAborted);
        Assert.IsType<InvalidOperationException>(connection.AbortReason!.InnerException);
        Assert.True(await Wire.ClosesWithinAsync(peer, Timeout)); // the peer sees the end, not a quiet connection
        await Assert.ThrowsAsync<RequestAbortedException>(async () => await connection.Input.ReadAsync());
        connection.CloseSocket();
        connection.ReleaseBuffers();
    }

    [Fact]
    public async Task Completing_the_reader_with_an_exception_aborts_the_connection()
    {
        var (server, peer) = SocketPair();
        using var peerSocket = peer;
        var connection = new SocketConnection(server, owner: null, TimeProvider.System, _events);

        await connection.Input.CompleteAsync(new InvalidOperationException("bad input"));

        Assert.True(connection.IsAborted);
        Assert.True(await Wire.ClosesWithinAsync(peer, Timeout));
        Write(connection, "late"u8.ToArray());
        Assert.True((await connection.Output.FlushAsync()).IsCompleted); // the writer sees the connection gone
        connection.CloseSocket();
        connection.ReleaseBuffers();
    }

    [Fact]
    public async Task Cancel_pending_read_from_another_thread_is_seen_once_and_never_lost()
    {
        var (server, peer) = SocketPair();
        using var peerSocket = peer;
        var connection = new SocketConnection(server, owner: null, TimeProvider.System, _events);
        for (var i = 0; i < 200; i++)
        {
            var read = connection.Input.ReadAsync();
            var canceler = Task.Run(connection.Input.CancelPendingRead);
            var result = await read.AsTask().WaitAsync(Timeout);
            await canceler;
            Assert.True(result.IsCanceled);
            connection.Input.AdvanceTo(result.Buffer.Start);
            Assert.False(connection.Input.TryRead(out var pending), $"a second result came: canceled={pending.IsCanceled}"); // seen once: nothing pending afterwards
        }

        connection.CloseSocket();
        connection.ReleaseBuffers();
    }

    [Fact]
    public async Task Connection_closed_fires_when_the_peer_goes_away_with_bytes_still_unread()
    {
        var (server, peer) = SocketPair();
        var connection = new SocketConnection(server, owner: null, TimeProvider.System, _events);
        peer.Send(new byte[50_000]);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = connection.ConnectionClosed.Register(closed.SetResult);
        Assert.False(closed.Task.IsCompleted);

        peer.Dispose();

        await closed.Task.WaitAsync(Timeout);
        connection.CloseSocket();
        connection.ReleaseBuffers();
    }

    private static void Write(SocketConnection connection, byte[] data)
    {
        data.CopyTo(connection.Output.GetSpan(data.Length));
        connection.Output.Advance(data.Length);
    }

    private (Socket Server, Socket Peer) SocketPair() => UnixSocketPair.Connect(Path.Combine(_directory.FullName, Guid.NewGuid().ToString("N")[..8] + ".sock"));

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int length)
    {
        var buffer = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return buffer[..read];
    }

    private static byte[] Pattern(int length, int seed) => [.. Enumerable.Range(0, length).Select(i => (byte)((i * seed) % 251))];
}
