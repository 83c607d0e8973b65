using System.Buffers.Binary;
using System.Net.Sockets;
using Xunit;

namespace Bridge.Testing.FrontEnd;

/// <summary>Reads records from a socket; null at EOF (or reset).</summary>
public sealed class FastCgiReader(Socket socket)
{
    private readonly byte[] _buffer = new byte[256 * 1024];
    private int _start;
    private int _end;

    public async Task<FastCgiRecord?> ReadAsync(TimeSpan? timeout = null)
    {
        using var cts = Wire.TimeoutSource(timeout);
        if (!await FillAsync(FastCgiWire.HeaderLength, cts.Token))
        {
            Assert.True(_end == _start, $"EOF inside a record header ({_end - _start} bytes).");
            return null;
        }

        var header = _buffer.AsSpan(_start, FastCgiWire.HeaderLength);
        var version = header[0];
        var type = header[1];
        var id = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        var length = BinaryPrimitives.ReadUInt16BigEndian(header[4..]);
        var padding = header[6];
        Assert.True(await FillAsync(FastCgiWire.HeaderLength + length + padding, cts.Token), "EOF inside a record.");
        var content = _buffer.AsSpan(_start + FastCgiWire.HeaderLength, length).ToArray();
        _start += FastCgiWire.HeaderLength + length + padding;
        return new FastCgiRecord(version, type, id, content);
    }

    /// <summary>Reads records until END_REQUEST for <paramref name="requestId"/>; every record on the way is returned.</summary>
    public async Task<FastCgiExchange> ReadUntilEndAsync(ushort requestId, TimeSpan? timeout = null)
    {
        var records = new List<FastCgiRecord>();
        while (true)
        {
            var record = await ReadAsync(timeout);
            Assert.True(record is not null, $"The connection closed before END_REQUEST for request {requestId}.");
            records.Add(record);
            if (record.Type == FastCgiWire.EndRequest && record.RequestId == requestId)
            {
                return new FastCgiExchange(records);
            }
        }
    }

    /// <summary>Reads records until the empty STDOUT that ends the response of <paramref name="requestId"/> (END_REQUEST may follow later).</summary>
    public async Task<FastCgiExchange> ReadUntilStdoutEndAsync(ushort requestId, TimeSpan? timeout = null)
    {
        var records = new List<FastCgiRecord>();
        while (true)
        {
            var record = await ReadAsync(timeout);
            Assert.True(record is not null, $"The connection closed before the end of STDOUT for request {requestId}.");
            records.Add(record);
            if (record.Type == FastCgiWire.Stdout && record.RequestId == requestId && record.Content.Length == 0)
            {
                return new FastCgiExchange(records);
            }
        }
    }

    private async Task<bool> FillAsync(int needed, CancellationToken token)
    {
        if (_end - _start >= needed)
        {
            return true;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        while (_end < needed)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, token);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                read = 0;
            }
            catch (OperationCanceledException)
            {
                Assert.Fail("Timed out waiting for a FastCGI record.");
                throw;
            }

            if (read == 0)
            {
                return false;
            }

            _end += read;
        }

        return true;
    }
}
