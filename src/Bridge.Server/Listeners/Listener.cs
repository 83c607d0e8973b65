using System.Net.Sockets;
using Bridge.Server.Connections;
using Bridge.Server.Logging;
using Bridge.Server.Options;
using Bridge.Server.Transport;

namespace Bridge.Server.Listeners;

/// <summary>
/// One bound socket and the I/O threads that accept on it. Bridge binds the socket itself (file mode, stale-file
/// probe, inherited descriptors); each accepted connection is served inline by the thread that accepted it for as
/// long as it runs synchronously (see <see cref="AcceptorThreads"/>).
/// </summary>
internal sealed class Listener : IAsyncDisposable
{
    private readonly ServerContext _server;
    private readonly ConnectionManager _connections;
    private readonly FrontEndAllowList _allowList;
    private readonly Socket _socket;
    private readonly AcceptorThreads _acceptors;
    private readonly bool _ip;
    private readonly SocketFileIdentity? _identity; // of the socket file this server created

    private Listener(ServerContext server, ConnectionManager connections, FrontEndAllowList allowList, ListenerInfo info, Socket socket, int maxThreads)
    {
        _server = server;
        _connections = connections;
        _allowList = allowList;
        Info = info;
        _socket = socket;
        _ip = socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6;
        _identity = info.Address.Path is { } path ? ListenSocketFactory.IdentifySocketFile(path) : null;
        _acceptors = new AcceptorThreads(socket, "Bridge I/O " + info.Name, maxThreads, Serve, connections.TakeSlot, connections.ReleaseSlot, logger: server.ConnectionLogger, reserve: server.Reserve);
        connections.Heartbeat += _acceptors.EnsureAccepting;
    }

    public ListenerInfo Info { get; }

    /// <summary>Its I/O threads alive (accepting, serving or parked).</summary>
    public int IoThreadCount => _acceptors.ThreadCount;

    /// <summary>The address as bound (a TCP port 0 resolved to the real port).</summary>
    public string BoundAddress => Info.Address.Kind == ListenAddressKind.Tcp && _socket.LocalEndPoint is { } local
        ? "tcp:" + local
        : Info.Address.Text;

    public static Task<Listener> BindAsync(ServerContext server, ConnectionManager connections, FrontEndAllowList allowList, BridgeListenerOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!ListenAddress.TryParse(options.Address, out var address, out var error))
        {
            throw new InvalidOperationException(error);
        }

        var socket = ListenSocketFactory.Create(address!, options, server.HostingLogger);
        try
        {
            socket.Blocking = false; // the I/O threads wait in epoll and accept only what is there
            var info = new ListenerInfo(address!, options.Protocol);
            var permissions = address!.Kind == ListenAddressKind.UnixPath
                ? $", mode {options.SocketMode}{(options.SocketOwner is null ? "" : ", owner " + options.SocketOwner)}{(options.SocketGroup is null ? "" : ", group " + options.SocketGroup)}"
                : "";
            var listener = new Listener(server, connections, allowList, info, socket, server.Descriptors.MaxIoThreads);
            server.HostingLogger.Listening(listener.BoundAddress, options.Protocol.ToString().ToLowerInvariant(), options.Backlog, permissions);
            return Task.FromResult(listener);
        }
        catch
        {
            socket.Dispose();
            if (address!.Path is { } path)
            {
                ListenSocketFactory.RemoveSocketFile(path);
            }

            throw;
        }
    }

    public void Start() => _acceptors.Start();

    /// <summary>
    /// Stops taking connections. A Unix socket file is removed first, so no new connection can arrive; those
    /// already in the listen queue are still accepted and served before the socket closes (not for an inherited
    /// <c>fd:</c> socket, whose queue the other workers serve).
    /// </summary>
    public async Task StopAsync()
    {
        // Only the file this server created: a server started on the same path since (a restart that overlaps
        // this stop) keeps its socket.
        if (Info.Address.Path is { } path)
        {
            if (ListenSocketFactory.RemoveOwnSocketFile(path, _identity, out var replaced))
            {
                _server.HostingLogger.SocketRemoved(path);
            }
            else if (replaced)
            {
                _server.HostingLogger.SocketReplaced(path);
            }
        }

        // An inherited fd: socket is shared with the other workers of a supervisor: what is queued on it is
        // theirs to take, so this process stops accepting at once.
        for (var i = 0; Info.Address.Kind != ListenAddressKind.FileDescriptor && i < 50 && _socket.Poll(0, SelectMode.SelectRead); i++)
        {
            await Task.Delay(10).ConfigureAwait(false); // let the I/O threads take what is queued
        }

        await _acceptors.StopAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _connections.Heartbeat -= _acceptors.EnsureAccepting;
        _acceptors.Dispose();
        _socket.Dispose();
        return default;
    }

    // On the I/O thread that accepted the socket, which holds a connection slot for it.
    private void Serve(Socket socket)
    {
        SocketConnection connection;
        try
        {
            socket.Blocking = false;
            if (socket.ProtocolType == ProtocolType.Tcp)
            {
                socket.NoDelay = true;
            }

            connection = new SocketConnection(socket, IoThread.Current, _server.Time, _server.Events);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            socket.Dispose(); // reset before it could be set up
            _connections.ReleaseSlot();
            return;
        }

        // By the peer's address, not the listener's: an inherited fd: socket may be TCP too.
        if (_ip && !_allowList.IsAllowed(connection.RemoteEndPoint))
        {
            _server.ConnectionLogger.FrontEndRefused(connection.RemoteEndPoint?.ToString() ?? "?", Info.Name);
            connection.CloseSocket();
            connection.ReleaseBuffers();
            _connections.ReleaseSlot();
            return;
        }

        _ = _connections.Add(connection, Info).RunAsync();
        connection.Owner = null; // what is left of it (if anything) runs on the thread pool
    }
}
