using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Bridge.Server.Listeners;
using Microsoft.Extensions.Logging;

namespace Bridge.Cli.Stats;

/// <summary>
/// The supervisor's stats endpoint, like uWSGI's <c>--stats</c>: a client that sends nothing (nc, socat) gets the
/// JSON and the connection closes; <c>GET /</c> gets the JSON over HTTP, <c>GET /metrics</c> Prometheus text, any other path 404.
/// One connection at a time and every read and write under a timeout, so a stuck client costs at most seconds.
/// </summary>
internal sealed class StatsServer : IAsyncDisposable
{
    private static readonly TimeSpan FirstByteTimeout = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(5);
    private const int MaxRequestHeadBytes = 8192;
    private const int Backlog = 16;
    private const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite; // 0660

    private readonly Socket _socket;
    private readonly string? _path;
    private readonly Func<SupervisorSnapshot> _snapshot;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping;
    private Task _acceptLoop = Task.CompletedTask;

    private StatsServer(Socket socket, string? path, string address, Func<SupervisorSnapshot> snapshot, ILogger logger, CancellationToken cancellationToken)
    {
        _socket = socket;
        _path = path;
        Address = address;
        _snapshot = snapshot;
        _logger = logger;
        _stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    }

    /// <summary>The address as bound: <c>unix:PATH</c> or <c>tcp:HOST:PORT</c> (port 0 resolved).</summary>
    public string Address { get; }

    /// <summary>Binds <c>unix:PATH</c> (mode 0660, removed on dispose) or <c>tcp:[HOST:]PORT</c> (loopback by default) and serves.</summary>
    public static Task<StatsServer> StartAsync(string address, Func<SupervisorSnapshot> snapshot, ILogger logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(logger);
        ct.ThrowIfCancellationRequested();

        Socket socket;
        string? path = null;
        string bound;
        if (address.StartsWith("unix:", StringComparison.Ordinal))
        {
            path = address["unix:".Length..];
            if (path.Length == 0)
            {
                throw new ArgumentException("The stats address unix: needs a path.", nameof(address));
            }

            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                RemoveStaleSocket(path);
                socket.Bind(new UnixDomainSocketEndPoint(path));
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, SocketMode);
                }

                socket.Listen(Backlog);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            bound = address;
        }
        else if (address.StartsWith("tcp:", StringComparison.Ordinal))
        {
            var endPoint = ParseTcp(address["tcp:".Length..]);
            socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(endPoint);
                socket.Listen(Backlog);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            bound = "tcp:" + socket.LocalEndPoint;
        }
        else
        {
            throw new ArgumentException($"The stats address '{address}' is neither unix:PATH nor tcp:HOST:PORT.", nameof(address));
        }

        var server = new StatsServer(socket, path, bound, snapshot, logger, ct);
        server._acceptLoop = server.AcceptLoopAsync();
        logger.StatsListening(bound);
        return Task.FromResult(server);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        _stopping.Dispose();
        if (_path is not null)
        {
            _ = ListenSocketFactory.RemoveSocketFile(_path);
        }
    }

    // A socket file left by a supervisor that did not stop cleanly is replaced; a live one, or any other file, is not.
    private static void RemoveStaleSocket(string path)
    {
        if (!ListenSocketFactory.IsSocketFile(path))
        {
            return;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            File.Delete(path);
            return;
        }

        throw new InvalidOperationException($"The stats socket {path} is in use by another process.");
    }

    private static IPEndPoint ParseTcp(string text)
    {
        // "PORT", "HOST:PORT", "[V6]:PORT", "*:PORT"
        var colon = text.LastIndexOf(':');
        var hostText = colon < 0 ? "" : text[..colon];
        var portText = colon < 0 ? text : text[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
        {
            throw new ArgumentException($"The stats address tcp:{text} has no valid port.", nameof(text));
        }

        hostText = hostText.Trim('[', ']');
        var host = hostText switch
        {
            "" or "localhost" => IPAddress.Loopback,
            "*" => IPAddress.Any,
            _ when IPAddress.TryParse(hostText, out var parsed) => parsed,
            _ => throw new ArgumentException($"The stats address tcp:{text} has no valid IP address.", nameof(text)),
        };
        return new IPEndPoint(host, port);
    }

    private async Task AcceptLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                _logger.StatsClientFailed(ex.Message);
                continue;
            }

            using (client)
            {
                try
                {
                    await ServeAsync(client, token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
                {
                    _logger.StatsClientFailed(ex.Message);
                }
            }
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken stopping)
    {
        var head = new byte[MaxRequestHeadBytes];
        var length = 0;
        using (var firstByte = CancellationTokenSource.CreateLinkedTokenSource(stopping))
        {
            firstByte.CancelAfter(FirstByteTimeout);
            try
            {
                length = await client.ReceiveAsync(head, SocketFlags.None, firstByte.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                length = 0; // silent client, like nc: raw JSON
            }
        }

        if (length == 0)
        {
            await SendAsync(client, Snapshot(json: true), stopping).ConfigureAwait(false);
            client.Shutdown(SocketShutdown.Both);
            return;
        }

        using (var rest = CancellationTokenSource.CreateLinkedTokenSource(stopping))
        {
            rest.CancelAfter(RequestTimeout);
            while (length < head.Length && head.AsSpan(0, length).IndexOf("\r\n\r\n"u8) < 0 && head.AsSpan(0, length).IndexOf("\n\n"u8) < 0)
            {
                var read = await client.ReceiveAsync(head.AsMemory(length), SocketFlags.None, rest.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }
        }

        var text = Encoding.ASCII.GetString(head, 0, length);
        var end = text.IndexOf('\n', StringComparison.Ordinal);
        var requestLine = (end < 0 ? text : text[..end]).TrimEnd('\r');
        var parts = requestLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        byte[] response;
        if (parts.Length < 2 || parts[0] != "GET")
        {
            response = HttpResponse("405 Method Not Allowed", "text/plain", "only GET\n"u8.ToArray(), "Allow: GET\r\n");
        }
        else
        {
            var target = parts[1];
            var query = target.IndexOf('?', StringComparison.Ordinal);
            var pathOnly = query < 0 ? target : target[..query];
            response = pathOnly switch
            {
                "/" => HttpResponse("200 OK", "application/json", Snapshot(json: true), null),
                "/metrics" => HttpResponse("200 OK", StatsFormatter.PrometheusContentType, Snapshot(json: false), null),
                _ => HttpResponse("404 Not Found", "text/plain", "not found: GET / for JSON, GET /metrics for Prometheus text\n"u8.ToArray(), null),
            };
        }

        await SendAsync(client, response, stopping).ConfigureAwait(false);
        client.Shutdown(SocketShutdown.Both);
    }

    private byte[] Snapshot(bool json)
    {
        SupervisorSnapshot snapshot;
        try
        {
            snapshot = _snapshot();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.StatsSnapshotFailed(ex);
            return json ? "{}"u8.ToArray() : [];
        }

        return json ? StatsFormatter.ToJson(snapshot) : Encoding.UTF8.GetBytes(StatsFormatter.ToPrometheus(snapshot));
    }

    private static byte[] HttpResponse(string status, string contentType, byte[] body, string? extraHeaders)
    {
        var head = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length.ToString(CultureInfo.InvariantCulture)}\r\n{extraHeaders}Connection: close\r\n\r\n");
        var all = new byte[head.Length + body.Length];
        head.CopyTo(all, 0);
        body.CopyTo(all, head.Length);
        return all;
    }

    private static async Task SendAsync(Socket client, byte[] data, CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(WriteTimeout);
        var sent = 0;
        while (sent < data.Length)
        {
            sent += await client.SendAsync(data.AsMemory(sent), SocketFlags.None, timeout.Token).ConfigureAwait(false);
        }
    }
}
