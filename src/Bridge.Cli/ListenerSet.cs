using System.Globalization;
using System.Net.Sockets;
using Bridge.Server.Listeners;
using Bridge.Server.Options;
using Microsoft.Extensions.Logging;

namespace Bridge.Cli;

/// <summary>
/// The listening sockets: bound once by the supervisor with <see cref="ListenSocketFactory"/> (or taken from systemd
/// socket activation), made inheritable, and never closed while workers come and go. Socket files the supervisor
/// created are removed on dispose.
/// </summary>
internal sealed class ListenerSet : IDisposable
{
    private const int FirstActivatedFd = 3; // SD_LISTEN_FDS_START

    private ListenerSet(IReadOnlyList<Listener> listeners) => Listeners = listeners;

    public IReadOnlyList<Listener> Listeners { get; }

    public static ListenerSet Open(RunOptions options, IReadOnlyDictionary<string, string?> environment, ILogger logger)
    {
        var listeners = new List<Listener>();
        try
        {
            if (TryGetActivatedCount(environment, out var count))
            {
                for (var fd = FirstActivatedFd; fd < FirstActivatedFd + count; fd++)
                {
                    var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
                    listeners.Add(Inheritable(new Listener("fd:" + fd.ToString(CultureInfo.InvariantCulture), options.Protocol, options.Backlog, socket, fd, null), logger));
                }
            }
            else
            {
                if (options.Listen.Count == 0)
                {
                    throw new RunOptionsException("No listener: give --listen unix:/run/app.sock (or tcp:127.0.0.1:9000), or start bridge from a systemd socket unit.");
                }

                var listenerOptions = new BridgeListenerOptions
                {
                    Protocol = options.Protocol,
                    SocketMode = options.SocketMode,
                    SocketOwner = options.SocketOwner,
                    SocketGroup = options.SocketGroup,
                    Backlog = options.Backlog,
                };
                foreach (var text in options.Listen)
                {
                    if (!ListenAddress.TryParse(text, out var address, out var error))
                    {
                        throw new RunOptionsException("--listen: " + error);
                    }

                    var socket = ListenSocketFactory.Create(address!, listenerOptions, logger);
                    var fd = (int)socket.SafeHandle.DangerousGetHandle();
                    var identity = address!.Path is { } path ? ListenSocketFactory.IdentifySocketFile(path) : null;
                    listeners.Add(Inheritable(new Listener(address.Text, options.Protocol, options.Backlog, socket, fd, address.Path, identity), logger));
                }
            }
        }
        catch
        {
            new ListenerSet(listeners).Dispose();
            throw;
        }

        return new ListenerSet(listeners);
    }

    public void Dispose()
    {
        foreach (var listener in Listeners)
        {
            listener.Socket.Dispose();
            if (listener.CreatedPath is not null)
            {
                _ = ListenSocketFactory.RemoveOwnSocketFile(listener.CreatedPath, listener.CreatedIdentity, out _); // not one bound since by another server
            }
        }
    }

    private static Listener Inheritable(Listener listener, ILogger logger)
    {
        NativeMethods.ClearCloseOnExec(listener.FileDescriptor);
        logger.Listening(listener.Address, listener.ProtocolName, listener.Backlog, listener.FileDescriptor);
        return listener;
    }

    // systemd passes LISTEN_PID (meant for us only if it is our pid) and LISTEN_FDS (fds from 3 on).
    private static bool TryGetActivatedCount(IReadOnlyDictionary<string, string?> environment, out int count)
    {
        count = 0;
        return environment.TryGetValue("LISTEN_PID", out var pid) && environment.TryGetValue("LISTEN_FDS", out var fds)
            && int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var listenPid) && listenPid == Environment.ProcessId
            && int.TryParse(fds, NumberStyles.None, CultureInfo.InvariantCulture, out count) && count > 0;
    }
}
