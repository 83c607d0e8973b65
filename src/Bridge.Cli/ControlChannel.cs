using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Bridge.Cli;

/// <summary>
/// The supervisor's AF_UNIX/SOCK_DGRAM socket, in a private (0700) temp directory, on which workers report ready,
/// stats and stopping. Datagrams keep message boundaries, so one receive is one message.
/// </summary>
internal sealed class ControlChannel : IDisposable
{
    private const int MaxDatagram = 64 * 1024;

    private readonly Socket _socket;
    private readonly DirectoryInfo _directory;

    private ControlChannel(Socket socket, DirectoryInfo directory, string path)
    {
        _socket = socket;
        _directory = directory;
        Path = path;
    }

    /// <summary>The socket path given to workers as BRIDGE_SUPERVISOR_SOCKET.</summary>
    public string Path { get; }

    public static ControlChannel Open()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("dotnet-bridge run needs Linux.");
        }

        var directory = Directory.CreateTempSubdirectory("bridge-");
        File.SetUnixFileMode(directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = System.IO.Path.Combine(directory.FullName, "control.sock");
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
        }
        catch
        {
            socket.Dispose();
            directory.Delete(recursive: true);
            throw;
        }

        return new ControlChannel(socket, directory, path);
    }

    /// <summary>Receives until <paramref name="cancellationToken"/> fires, passing each well-formed message on.</summary>
    public async Task ReceiveAsync(Action<WorkerMessage> onMessage, ILogger logger, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxDatagram];
        while (!cancellationToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            if (WorkerMessage.TryParse(buffer.AsSpan(0, received), out var message))
            {
                onMessage(message!);
            }
            else
            {
                logger.DatagramIgnored(received);
            }
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Someone else's file in our private directory: leave it.
        }
    }
}
