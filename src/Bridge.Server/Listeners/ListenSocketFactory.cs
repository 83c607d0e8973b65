using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Bridge.Server.Logging;
using Bridge.Server.Options;
using Microsoft.Extensions.Logging;

namespace Bridge.Server.Listeners;

/// <summary>
/// Creates bound, listening sockets. A Unix socket file left behind by a crash is probed with a connect: removed
/// if nothing answers, a clear error if a live server holds it; a file that is not a socket is never removed.
/// The new socket file gets its mode (and owner/group) before anyone can use it for long: until chmod the
/// process umask applies, and connecting needs write permission, which umask 022 gives to the owner only.
/// </summary>
public static class ListenSocketFactory
{
    /// <summary>
    /// A bound, listening socket for <paramref name="address"/> with the listener's backlog and, for a Unix socket
    /// file, its mode, owner and group. Errors name the address and what to do.
    /// </summary>
    public static Socket Create(ListenAddress address, BridgeListenerOptions options, ILogger logger)
    {
        switch (address.Kind)
        {
            case ListenAddressKind.FileDescriptor:
                var inherited = new Socket(new SafeSocketHandle(address.FileDescriptor, ownsHandle: true));
                inherited.Listen(options.Backlog);
                return inherited;
            case ListenAddressKind.UnixPath:
                RemoveStaleSocket(address.Path!, logger);
                var unix = UnixFileSystem.BindUnixSocket(address.Path!);
                try
                {
                    ApplyPermissions(address.Path!, options);
                    unix.Listen(options.Backlog);
                    if (SocketAccess.Problem(address.Path!) is { } problem)
                    {
                        logger.SocketClosedToNginx(problem);
                    }

                    return unix;
                }
                catch
                {
                    unix.Dispose();
                    TryDelete(address.Path!);
                    throw;
                }

            default:
                var endPoint = address.EndPoint!;
                var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, address.IsTcp ? ProtocolType.Tcp : ProtocolType.Unspecified);
                try
                {
                    if (endPoint is IPEndPoint { Address: var ip } && ip.Equals(IPAddress.IPv6Any))
                    {
                        socket.DualMode = true;
                    }

                    socket.Bind(endPoint);
                    socket.Listen(options.Backlog);
                    return socket;
                }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
                {
                    socket.Dispose();
                    throw new IOException($"Cannot listen on {address.Text}: the address is already in use by another process. Stop it or choose another port.", ex);
                }
                catch (SocketException ex)
                {
                    socket.Dispose();
                    throw new IOException($"Cannot listen on {address.Text}: {ex.Message}.", ex); // .NET's message names no address
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
        }
    }

    /// <summary>What tells the socket file at <paramref name="path"/> from a later one at the same path; null if none.</summary>
    public static SocketFileIdentity? IdentifySocketFile(string path) => UnixFileSystem.SocketIdentity(path);

    /// <summary>True when a socket file (not another kind of file) is at <paramref name="path"/>.</summary>
    public static bool IsSocketFile(string path) => UnixFileSystem.IsSocket(path) == true;

    /// <summary>
    /// Removes the socket file at <paramref name="path"/> only if it is still the one <paramref name="identity"/>
    /// names: a server started on the same path since (a restart that overlaps this stop) keeps its socket.
    /// </summary>
    /// <param name="path">The socket file's path.</param>
    /// <param name="identity">What <see cref="IdentifySocketFile"/> said right after it was created.</param>
    /// <param name="replaced">True when another socket now sits at the path (it is left in place).</param>
    public static bool RemoveOwnSocketFile(string path, SocketFileIdentity? identity, out bool replaced)
    {
        var current = UnixFileSystem.SocketIdentity(path);
        replaced = current is not null && current != identity;
        return !replaced && RemoveSocketFile(path);
    }

    /// <summary>Removes the socket file at <paramref name="path"/> if it is still a socket.</summary>
    public static bool RemoveSocketFile(string path) => UnixFileSystem.IsSocket(path) == true && TryDelete(path);

    private static void RemoveStaleSocket(string path, ILogger logger)
    {
        var directory = System.IO.Path.GetDirectoryName(path);
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new IOException($"Cannot create the socket {path}: the directory {directory} does not exist. Create it first (with systemd, RuntimeDirectory=NAME creates /run/NAME for the service).");
        }

        switch (UnixFileSystem.IsSocket(path))
        {
            case null:
                return;
            case false:
                throw new IOException($"Cannot create the socket {path}: a file that is not a socket is in the way; Bridge does not remove it.");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // Only a refusal means nobody listens: the file was left by a crash.
            File.Delete(path);
            logger.StaleSocketRemoved(path);
            return;
        }
        catch (SocketException ex)
        {
            // A full listen queue (a live, busy server), no permission to connect: never delete someone's socket.
            throw new IOException($"Cannot listen on {path}: a socket file is there and probing it failed ({ex.SocketErrorCode}: {ex.Message}), so it may belong to a live server; Bridge does not remove it. Stop that server, or remove the file if you know it is stale.", ex);
        }

        throw new IOException($"Cannot listen on {path}: another server is listening on it. Stop that server or choose another socket path.");
    }

    private static void ApplyPermissions(string path, BridgeListenerOptions options)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Unix socket files need Linux.");
        }

        File.SetUnixFileMode(path, ParseMode(options.SocketMode));
        if (options.SocketOwner is not null || options.SocketGroup is not null)
        {
            UnixFileSystem.ChangeOwner(path, options.SocketOwner, options.SocketGroup);
        }
    }

    /// <summary>Parses an octal file mode such as <c>0660</c>; <see cref="FormatException"/> otherwise.</summary>
    public static UnixFileMode ParseMode(string mode)
    {
        if (string.IsNullOrEmpty(mode) || mode.Length > 4 || !int.TryParse(mode, NumberStyles.None, CultureInfo.InvariantCulture, out _)
            || mode.Any(c => c > '7'))
        {
            throw new FormatException($"'{mode}' is not an octal file mode such as 0660.");
        }

        return (UnixFileMode)Convert.ToInt32(mode, 8);
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
