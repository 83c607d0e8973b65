using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Bridge.Testing.FrontEnd;
using Xunit;

namespace Bridge.Testing.WebSockets;

/// <summary>
/// A WebSocket client written from RFC 6455 by hand, on a raw socket (nothing of System.Net.WebSockets): frames are
/// encoded and decoded here, client frames masked with a random key (section 5.3), so tests see exactly what went over
/// the wire. Every read is bounded by a timeout.
/// </summary>
public sealed class RawWebSocket : IDisposable
{
    public const byte Continuation = 0x0;
    public const byte Text = 0x1;
    public const byte Binary = 0x2;
    public const byte Close = 0x8;
    public const byte Ping = 0x9;
    public const byte Pong = 0xA;

    private const string KeyGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"; // RFC 6455 section 1.3

    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawWebSocket(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    /// <summary>The 101's head, as received.</summary>
    public string ResponseHead { get; private set; } = "";

    /// <summary>
    /// Sends an HTTP/1.1 upgrade request for <paramref name="path"/> on <paramref name="socket"/> (a connection to nginx)
    /// and reads the answer's head: a 101 whose Sec-WebSocket-Accept answers the key, or the test fails.
    /// </summary>
    public static Task<RawWebSocket> ConnectAsync(Socket socket, string host, string path)
        => HandshakeAsync(socket, key => Encoding.ASCII.GetBytes(
            $"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"));

    /// <summary>
    /// Sends what <paramref name="request"/> makes of a fresh key (an HTTP request to nginx, or a uwsgi packet straight to
    /// Bridge) and reads the answer's head: a 101 whose Sec-WebSocket-Accept answers the key, or the test fails.
    /// </summary>
    public static async Task<RawWebSocket> HandshakeAsync(Socket socket, Func<string, byte[]> request)
    {
        var webSocket = new RawWebSocket(socket);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        await Wire.SendAsync(socket, request(key));
        var head = await webSocket.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", head + "\r\n", StringComparison.Ordinal);
        Assert.Equal(ExpectedAccept(key), HeaderValue(head, "Sec-WebSocket-Accept"));
        Assert.Equal("websocket", HeaderValue(head, "Upgrade")?.ToLowerInvariant());
        return webSocket;
    }

    /// <summary>The headers a browser sends to open a WebSocket with <paramref name="key"/>, as (name, value) pairs.</summary>
    public static (string Name, string Value)[] UpgradeHeaders(string key) =>
    [
        ("Host", "example.test"), ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13"),
    ];

    /// <summary>Wraps a socket whose handshake the caller did itself (the 101's head already read).</summary>
    public static RawWebSocket Over(Socket socket, string responseHead = "") => new(socket) { ResponseHead = responseHead };

    /// <summary>base64(SHA-1(key + GUID)), computed here independently of the server's code.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "RFC 6455 fixes SHA-1 for the handshake.")]
    public static string ExpectedAccept(string key)
        => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + KeyGuid)));

    public static string? HeaderValue(string head, string name)
    {
        foreach (var line in head.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }

    /// <summary>A masked frame (RFC 6455 section 5.2): FIN, opcode, the length in 7, 7+16 or 7+64 bits, the mask key, the payload masked.</summary>
    public static byte[] Frame(byte opcode, ReadOnlySpan<byte> payload, bool fin = true)
    {
        var extended = payload.Length < 126 ? 0 : payload.Length <= ushort.MaxValue ? 2 : 8;
        var frame = new byte[2 + extended + 4 + payload.Length];
        frame[0] = (byte)((fin ? 0x80 : 0) | opcode);
        if (extended == 0)
        {
            frame[1] = (byte)(0x80 | payload.Length);
        }
        else if (extended == 2)
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        else
        {
            frame[1] = 0x80 | 127;
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
        }

        var mask = frame.AsSpan(2 + extended, 4);
        RandomNumberGenerator.Fill(mask);
        var body = frame.AsSpan(2 + extended + 4);
        for (var i = 0; i < payload.Length; i++)
        {
            body[i] = (byte)(payload[i] ^ mask[i % 4]);
        }

        return frame;
    }

    /// <summary>The payload of a close frame: the status code (big-endian) and a reason.</summary>
    public static byte[] ClosePayload(int status, string reason = "")
    {
        var payload = new byte[2 + Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)status);
        Encoding.UTF8.GetBytes(reason, payload.AsSpan(2));
        return payload;
    }

    public Task SendFrameAsync(byte opcode, ReadOnlySpan<byte> payload, bool fin = true) => Wire.SendAsync(Socket, Frame(opcode, payload, fin));

    /// <summary>Sends one message in <paramref name="pieces"/> frames (the first with the opcode, the rest continuations).</summary>
    public async Task SendFragmentedAsync(byte opcode, byte[] message, int pieces)
    {
        var size = (message.Length + pieces - 1) / pieces;
        for (var i = 0; i < pieces; i++)
        {
            var start = Math.Min(i * size, message.Length);
            var end = Math.Min(start + size, message.Length);
            await SendFrameAsync(i == 0 ? opcode : Continuation, message.AsSpan(start, end - start), fin: i == pieces - 1);
        }
    }

    /// <summary>The next frame from the server, which must be unmasked (section 5.1).</summary>
    public async Task<(bool Fin, byte Opcode, byte[] Payload)> ReadFrameAsync(TimeSpan? timeout = null)
    {
        using var cts = Wire.TimeoutSource(timeout);
        await FillAsync(2, cts.Token);
        var first = _buffer[_start];
        var second = _buffer[_start + 1];
        Assert.True((second & 0x80) == 0, "The server masked a frame.");
        Assert.True((first & 0x70) == 0, "The server set a reserved bit.");
        var length = (long)(second & 0x7F);
        var headerLength = 2;
        if (length == 126)
        {
            await FillAsync(4, cts.Token);
            length = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(_start + 2));
            headerLength = 4;
        }
        else if (length == 127)
        {
            await FillAsync(10, cts.Token);
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(_buffer.AsSpan(_start + 2));
            headerLength = 10;
        }

        _start += headerLength;
        var payload = new byte[length];
        var copied = 0;
        while (copied < length)
        {
            await FillAsync(1, cts.Token);
            var take = (int)Math.Min(length - copied, _end - _start);
            _buffer.AsSpan(_start, take).CopyTo(payload.AsSpan(copied));
            _start += take;
            copied += take;
        }

        return ((first & 0x80) != 0, (byte)(first & 0x0F), payload);
    }

    /// <summary>The next whole message (its frames reassembled; control frames between them are not expected here).</summary>
    public async Task<(byte Opcode, byte[] Payload)> ReadMessageAsync(TimeSpan? timeout = null)
    {
        var (fin, opcode, payload) = await ReadFrameAsync(timeout);
        if (fin)
        {
            return (opcode, payload);
        }

        using var message = new MemoryStream();
        message.Write(payload);
        while (!fin)
        {
            (fin, var continuation, payload) = await ReadFrameAsync(timeout);
            Assert.Equal(Continuation, continuation);
            message.Write(payload);
        }

        return (opcode, message.ToArray());
    }

    /// <summary>True when the server closes the connection (EOF or reset) within <paramref name="within"/>, with no byte before.</summary>
    public async Task<bool> ClosesWithinAsync(TimeSpan within)
    {
        Assert.True(_start == _end, "Bytes arrived that no frame read took.");
        return await Wire.ClosesWithinAsync(Socket, within);
    }

    public void Dispose() => Socket.Dispose();

    private async Task<string> ReadHeadAsync()
    {
        using var cts = Wire.TimeoutSource();
        while (true)
        {
            var end = _buffer.AsSpan(0, _end).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                ResponseHead = Encoding.Latin1.GetString(_buffer, 0, end);
                _start = end + 4; // frames sent in the same packet as the head stay buffered
                return ResponseHead;
            }

            Assert.True(_end < _buffer.Length, "The response head is too long.");
            var read = await ReceiveAsync(cts.Token);
            Assert.True(read > 0, $"The connection closed before the response head was complete: {Encoding.Latin1.GetString(_buffer, 0, _end)}");
        }
    }

    private async Task FillAsync(int count, CancellationToken cancellationToken)
    {
        while (_end - _start < count)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            var read = await ReceiveAsync(cancellationToken);
            Assert.True(read > 0, "The connection closed in the middle of a frame (or before one).");
        }
    }

    private async Task<int> ReceiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            var read = await Socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            _end += read;
            return read;
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("The server sent nothing in time.");
            throw;
        }
    }
}
