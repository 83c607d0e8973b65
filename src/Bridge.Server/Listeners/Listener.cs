using System.Net.Sockets;
using Bridge.Server.Connections;
using Bridge.Server.Logging;
using Bridge.Server.Options;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bridge.Server.Listeners;

/// <summary>
/// One bound socket and its accept loop. Bridge binds the socket itself (file mode, stale-file probe, inherited
/// descriptors), then accepts through Kestrel's socket transport, which brings pooled memory and pipes.
/// </summary>
internal sealed class Listener : IAsyncDisposable
{
    private readonly ServerContext _server;
    private readonly ConnectionManager _connections;
    private readonly FrontEndAllowList _allowList;
    private readonly Socket _socket;
    private readonly IConnectionListener _transport;
    private readonly CancellationTokenSource _stopping = new();
    private Task _acceptLoop = Task.CompletedTask;

    private Listener(ServerContext server, ConnectionManager connections, FrontEndAllowList allowList, ListenerInfo info, Socket socket, IConnectionListener transport)
    {
        _server = server;
        _connections = connections;
        _allowList = allowList;
        Info = info;
        _socket = socket;
        _transport = transport;
    }

    public ListenerInfo Info { get; }

    /// <summary>The address as bound (a TCP port 0 resolved to the real port).</summary>
    public string BoundAddress => Info.Address.Kind == ListenAddressKind.Tcp && _socket.LocalEndPoint is { } local
        ? "tcp:" + local
        : Info.Address.Text;

    public static async Task<Listener> BindAsync(ServerContext server, ConnectionManager connections, FrontEndAllowList allowList, BridgeListenerOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        if (!ListenAddress.TryParse(options.Address, out var address, out var error))
        {
            throw new InvalidOperationException(error);
        }

        var socket = ListenSocketFactory.Create(address!, options, server.HostingLogger);
        try
        {
            var factory = new SocketTransportFactory(Microsoft.Extensions.Options.Options.Create(new SocketTransportOptions { Backlog = options.Backlog }), loggerFactory);
            var endPoint = new FileHandleEndPoint((ulong)socket.Handle, FileHandleType.Auto);
            var transport = await factory.BindAsync(endPoint, cancellationToken).ConfigureAwait(false);
            var info = new ListenerInfo(address!, options.Protocol);
            var permissions = address!.Kind == ListenAddressKind.UnixPath
                ? $", mode {options.SocketMode}{(options.SocketOwner is null ? "" : ", owner " + options.SocketOwner)}{(options.SocketGroup is null ? "" : ", group " + options.SocketGroup)}"
                : "";
            var listener = new Listener(server, connections, allowList, info, socket, transport);
            server.HostingLogger.Listening(listener.BoundAddress, options.Protocol.ToString().ToLowerInvariant(), options.Backlog, permissions);
            return listener;
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

    public void Start() => _acceptLoop = AcceptLoopAsync();

    /// <summary>
    /// Stops taking connections. A Unix socket file is removed first, so no new connection can arrive; those
    /// already in the listen queue are still accepted and served before the socket closes (not for an inherited
    /// <c>fd:</c> socket, whose queue the other workers serve).
    /// </summary>
    public async Task StopAsync()
    {
        if (Info.Address.Path is { } path && ListenSocketFactory.RemoveSocketFile(path))
        {
            _server.HostingLogger.SocketRemoved(path);
        }

        // An inherited fd: socket is shared with the other workers of a supervisor: what is queued on it is
        // theirs to take, so this process stops accepting at once.
        for (var i = 0; Info.Address.Kind != ListenAddressKind.FileDescriptor && i < 50 && _socket.Poll(0, SelectMode.SelectRead); i++)
        {
            await Task.Delay(10).ConfigureAwait(false); // let the accept loop take what is queued
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _transport.UnbindAsync().ConfigureAwait(false);
        await _acceptLoop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _transport.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await _connections.WaitForSlotAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            ConnectionContext? connection;
            try
            {
                connection = await _transport.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                connection = null;
            }

            if (connection is null)
            {
                _connections.ReleaseSlot();
                return;
            }

            // By the peer's address, not the listener's: an inherited fd: socket may be TCP too.
            if (!_allowList.IsAllowed(connection.RemoteEndPoint))
            {
                _server.ConnectionLogger.FrontEndRefused(connection.RemoteEndPoint?.ToString() ?? "?", Info.Name);
                connection.Abort();
                await connection.DisposeAsync().ConfigureAwait(false);
                _connections.ReleaseSlot();
                continue;
            }

            _connections.Start(connection, Info);
        }
    }
}
