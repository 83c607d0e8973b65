using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Bridge.Server.Tests.Infrastructure;
using Bridge.Server.Transport;

namespace Bridge.Server.Tests;

/// <summary>
/// The socket connection's pipes over a connected Unix socket pair, read and written off any I/O thread (the
/// asynchronous path), and on an I/O thread of <see cref="AcceptorThreads"/> (the blocking path).
/// </summary>
public sealed class SocketConnectionTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly Socket _peer;
    private readonly SocketEvents _events = new(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
    private readonly SocketConnection _connection;

    public SocketConnectionTests()
    {
        var (server, peer) = UnixSocketPair.Connect(Path.Combine(Directory.CreateTempSubdirectory("bsc-").FullName, "pair.sock"));
        _peer = peer;
        _connection = new SocketConnection(server, owner: null, TimeProvider.System, _events);
    }

    public void Dispose()
    {
        _connection.CloseSocket();
        _connection.ReleaseBuffers();
        _peer.Dispose();
        _events.Dispose();
    }

    [Fact]
    public async Task Unconsumed_bytes_come_back_and_examined_ones_wait_for_more()
    {
        _peer.Send("abcdef"u8);
        var first = await _connection.Input.ReadAsync();
        Assert.Equal("abcdef", Text(first.Buffer));
        _connection.Input.AdvanceTo(first.Buffer.GetPosition(2), first.Buffer.End); // consumed "ab", examined all

        var pending = _connection.Input.ReadAsync();
        Assert.False(pending.IsCompleted); // nothing new yet: a reader that forgot "examined" would hand back "cdef" at once

        _peer.Send("gh"u8);
        var second = await pending.AsTask().WaitAsync(Timeout);
        Assert.Equal("cdefgh", Text(second.Buffer));
        Assert.False(second.IsCompleted);
        _connection.Input.AdvanceTo(second.Buffer.End);
    }

    [Fact]
    public async Task The_peer_closing_completes_the_input_after_the_data_it_sent()
    {
        _peer.Send("last"u8);
        _peer.Shutdown(SocketShutdown.Send);

        var result = await ReadUntilCompletedAsync();

        Assert.True(result.IsCompleted);
        Assert.Equal("last", Text(result.Buffer));
    }

    [Fact]
    public async Task Cancel_pending_read_ends_a_waiting_read_and_loses_nothing()
    {
        var pending = _connection.Input.ReadAsync();
        Assert.False(pending.IsCompleted); // waiting: nothing was sent
        _connection.Input.CancelPendingRead();

        var canceled = await pending.AsTask().WaitAsync(Timeout);
        Assert.True(canceled.IsCanceled);
        _connection.Input.AdvanceTo(canceled.Buffer.Start);

        _peer.Send("after"u8);
        var next = await _connection.Input.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.False(next.IsCanceled);
        Assert.Equal("after", Text(next.Buffer));
    }

    [Fact]
    public async Task Abort_fails_a_waiting_read_and_fires_connection_closed()
    {
        var closed = _connection.ConnectionClosed;
        var pending = _connection.Input.ReadAsync();

        _connection.Abort("test abort");

        var error = await Assert.ThrowsAsync<RequestAbortedException>(() => pending.AsTask().WaitAsync(Timeout));
        Assert.Equal("test abort", error.Message);
        Assert.True(closed.IsCancellationRequested);
    }

    [Fact]
    public async Task Connection_closed_fires_when_an_idle_peer_goes_away()
    {
        var closed = new TaskCompletionSource();
        using var registration = _connection.ConnectionClosed.Register(closed.SetResult);
        Assert.False(closed.Task.IsCompleted);

        _peer.Dispose();

        await closed.Task.WaitAsync(Timeout);
    }

    [Fact]
    public async Task A_message_larger_than_the_first_buffer_is_held_whole_until_consumed()
    {
        var message = Pattern(200_000);
        var send = _peer.SendAsync(message); // asynchronous: no pool thread blocked beside other tests
        ReadResult result;
        while (true)
        {
            result = await _connection.Input.ReadAsync().AsTask().WaitAsync(Timeout);
            if (result.Buffer.Length >= message.Length)
            {
                break;
            }

            _connection.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End); // examine, consume nothing
        }

        await send;
        Assert.True(result.Buffer.IsSingleSegment);
        Assert.Equal(message, result.Buffer.ToArray());
    }

    [Fact]
    public async Task A_flush_larger_than_the_socket_buffer_finishes_asynchronously_in_order()
    {
        var message = Pattern(4 * 1024 * 1024);
        message.CopyTo(_connection.Output.GetSpan(message.Length));
        _connection.Output.Advance(message.Length);

        var flush = _connection.Output.FlushAsync();
        Assert.False(flush.IsCompleted); // the peer has not read yet: the send buffer is full
        var received = await ReceiveExactlyAsync(_peer, message.Length).WaitAsync(Timeout);
        var result = await flush.AsTask().WaitAsync(Timeout);

        Assert.False(result.IsCompleted);
        Assert.Equal(message, received);
    }

    [Fact]
    public async Task A_flush_after_the_peer_left_reports_completed_without_throwing()
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = _connection.ConnectionClosed.Register(closed.SetResult);
        _peer.Dispose();
        await closed.Task.WaitAsync(Timeout); // the connection has seen the peer leave

        FlushResult result = default;
        for (var i = 0; i < 3 && !result.IsCompleted; i++)
        {
            result = await _connection.Output.WriteAsync("x"u8.ToArray());
        }

        Assert.True(result.IsCompleted);
    }

    [Fact]
    public async Task On_its_io_thread_a_read_blocks_and_cancel_pending_read_wakes_it()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("bsc-").FullName, "s.sock");
        using var listen = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listen.Bind(new UnixDomainSocketEndPoint(path));
        listen.Listen(16);
        listen.Blocking = false;
        var served = new TaskCompletionSource<SocketConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        var outcome = new TaskCompletionSource<(bool CompletedInline, bool Canceled)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var threadName = NativeThreads.UniqueName("bsc");
        using var acceptors = new AcceptorThreads(listen, threadName, 4, socket =>
        {
            socket.Blocking = false;
            var connection = new SocketConnection(socket, IoThread.Current, TimeProvider.System, _events);
            served.SetResult(connection);
            var read = connection.Input.ReadAsync(); // blocks this thread: nothing has been sent
            outcome.SetResult((read.IsCompleted, read.Result.IsCanceled));
            connection.CloseSocket();
        }, _ => true, () => { });
        acceptors.Start();
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path));

        var connection = await served.Task.WaitAsync(Timeout);
        await NativeThreads.WaitUntilAllBlockedAsync(threadName, 2, Timeout); // the serving thread waits in its read (the others accept)
        Assert.False(outcome.Task.IsCompleted);
        connection.Input.CancelPendingRead();

        var (completedInline, canceled) = await outcome.Task.WaitAsync(Timeout);
        Assert.True(completedInline); // the thread waited itself: no hop to the thread pool
        Assert.True(canceled);
        await acceptors.StopAsync();
    }

    private async Task<ReadResult> ReadUntilCompletedAsync()
    {
        while (true)
        {
            var result = await _connection.Input.ReadAsync().AsTask().WaitAsync(Timeout);
            if (result.IsCompleted)
            {
                return result;
            }

            _connection.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }


    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int length)
    {
        var buffer = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read, Math.Min(length - read, 8192)));
            if (n == 0)
            {
                break;
            }

            read += n;
            if (read % (256 * 1024) < 8192)
            {
                await Task.Delay(1); // a slow reader
            }
        }

        return buffer[..read];
    }

    private static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 % 251)).ToArray();

    private static string Text(ReadOnlySequence<byte> buffer) => System.Text.Encoding.ASCII.GetString(buffer.ToArray());
}
