using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Bridge.Server.Transport;

/// <summary>
/// An accepted socket as a <see cref="ConnectionContext"/> whose pipes read and write the socket directly: a read
/// is a non-blocking receive into the reader's own buffer, a flush a non-blocking send of the writer's buffer.
/// Only when the socket would block does the connection wait, either on its I/O thread (see
/// <see cref="IoThread"/>) or through .NET's asynchronous socket operations. No receive or send loop runs beside
/// the app, so a request served start to finish on one thread costs no thread hand-off.
/// </summary>
internal sealed class SocketConnection : ConnectionContext, IDuplexPipe
{
    private readonly SocketReader _reader;
    private readonly SocketWriter _writer;
    private CancellationTokenSource? _closed;
    private IFeatureCollection? _features;
    private IDictionary<object, object?>? _items;
    private string? _id;
    private EndPoint? _remote;
    private EndPoint? _local;
    private int _watching;
    private volatile bool _peerClosed;
    private int _disposed;

    public SocketConnection(Socket socket, IoThread? owner)
    {
        Socket = socket;
        Fd = (int)socket.Handle;
        Owner = owner;
        _reader = new SocketReader(this);
        _writer = new SocketWriter(this);
    }

    public Socket Socket { get; }

    public int Fd { get; }

    /// <summary>The I/O thread serving this connection inline; null once it runs on the thread pool.</summary>
    public IoThread? Owner { get; set; }

    /// <summary>The I/O thread blocked in a read of this connection, if any (to wake it).</summary>
    public IoThread? BlockedThread { get; set; }

    public bool IsAborted { get; private set; }

    public Exception? AbortReason { get; private set; }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public PipeReader Input => _reader;

    public PipeWriter Output => _writer;

    public override string ConnectionId
    {
        get => _id ??= Fd.ToString(System.Globalization.CultureInfo.InvariantCulture);
        set => _id = value;
    }

    public override IFeatureCollection Features => _features ??= new FeatureCollection();

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }

    public override IDuplexPipe Transport
    {
        get => this;
        set => throw new NotSupportedException("The transport of a socket connection is fixed.");
    }

    public override EndPoint? RemoteEndPoint
    {
        get => _remote ??= TryGet(static s => s.RemoteEndPoint, Socket);
        set => _remote = value;
    }

    public override EndPoint? LocalEndPoint
    {
        get => _local ??= TryGet(static s => s.LocalEndPoint, Socket);
        set => _local = value;
    }

    /// <summary>
    /// Fires when the peer closes or resets the connection, or it is aborted. Asking for it starts a watch (a
    /// zero-byte receive) if nothing is reading: a uwsgi app still running when nginx gives up learns of it.
    /// </summary>
    public override CancellationToken ConnectionClosed
    {
        get
        {
            if (IsDisposed)
            {
                return new CancellationToken(canceled: true);
            }

            var closed = LazyInitializer.EnsureInitialized(ref _closed);
            if (_peerClosed)
            {
                OnClosed(); // seen before anyone asked
            }
            else if (Interlocked.Exchange(ref _watching, 1) == 0)
            {
                _ = WatchAsync();
            }

            return closed.Token;
        }

        set => throw new NotSupportedException("The closed token of a socket connection is fixed.");
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (IsAborted)
        {
            return;
        }

        AbortReason = abortReason;
        IsAborted = true;
        Interlocked.MemoryBarrier();
        Shutdown();
        _reader.OnAborted();
        BlockedThread?.Wake();
        OnClosed();
    }

    public override ValueTask DisposeAsync()
    {
        Close();
        return base.DisposeAsync();
    }

    /// <summary>Shuts the socket down, closes it and gives the buffers back; once.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Shutdown();
        Socket.Dispose();
        _reader.ReturnBuffer();
        _writer.ReturnBuffer();
        _closed?.Dispose();
    }

    internal void OnClosed()
    {
        _peerClosed = true;
        Interlocked.MemoryBarrier(); // pairs with the getter: the token it hands out is canceled either way
        var closed = Volatile.Read(ref _closed);
        if (closed is not null && !closed.IsCancellationRequested)
        {
            try
            {
                closed.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    // Shut down both ways before closing (as Kestrel does): a blocked poll or pending operation ends at once.
    private void Shutdown()
    {
        try
        {
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task WatchAsync()
    {
        try
        {
            while (!IsDisposed)
            {
                await Socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                if (IsDisposed)
                {
                    return;
                }

                var error = Peek(out var received);
                if (error == SocketError.WouldBlock)
                {
                    continue; // woken without anything to read
                }

                if (error != SocketError.Success || received == 0)
                {
                    OnClosed(); // end of stream or reset
                }
                else
                {
                    Volatile.Write(ref _watching, 0); // data: it stays for the next read, which sees a close itself
                }

                return;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            if (!IsDisposed)
            {
                OnClosed();
            }
        }
    }

    private SocketError Peek(out int received)
    {
        Span<byte> one = stackalloc byte[1];
        received = Socket.Receive(one, SocketFlags.Peek, out var error);
        return error;
    }

    private static EndPoint? TryGet(Func<Socket, EndPoint?> get, Socket socket)
    {
        try
        {
            return get(socket);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }
}
