using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Bridge.Testing.FrontEnd;

/// <summary>FastCGI records encoded by hand (spec §3.3: version, type, requestId u16 BE, contentLength u16 BE, paddingLength, reserved).</summary>
public static class FastCgiWire
{
    public const byte BeginRequest = 1;
    public const byte AbortRequest = 2;
    public const byte EndRequest = 3;
    public const byte Params = 4;
    public const byte Stdin = 5;
    public const byte Stdout = 6;
    public const byte Stderr = 7;
    public const byte GetValues = 9;
    public const byte GetValuesResult = 10;
    public const byte UnknownType = 11;

    public const byte RequestComplete = 0;
    public const byte UnknownRole = 3;

    public const int HeaderLength = 8;
    public const int MaxContentLength = 65535;

    public static byte[] Record(byte type, ushort requestId, ReadOnlySpan<byte> content, byte padding = 0, byte version = 1)
    {
        var record = new byte[HeaderLength + content.Length + padding];
        record[0] = version;
        record[1] = type;
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(2), requestId);
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(4), checked((ushort)content.Length));
        record[6] = padding;
        content.CopyTo(record.AsSpan(HeaderLength));
        return record;
    }

    public static byte[] Begin(ushort requestId, bool keepConnection, ushort role = 1)
    {
        var body = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(body, role);
        body[2] = keepConnection ? (byte)1 : (byte)0;
        return Record(BeginRequest, requestId, body);
    }

    public static byte[] NameValuePairs(IEnumerable<(string Name, string Value)> pairs)
    {
        using var stream = new MemoryStream();
        foreach (var (name, value) in pairs)
        {
            var n = Encoding.Latin1.GetBytes(name);
            var v = Encoding.Latin1.GetBytes(value);
            WriteLength(stream, n.Length);
            WriteLength(stream, v.Length);
            stream.Write(n);
            stream.Write(v);
        }

        return stream.ToArray();
    }

    /// <summary>A stream's records (content split at 65,535 bytes) and its empty closing record.</summary>
    public static byte[] Stream(byte type, ushort requestId, ReadOnlySpan<byte> content, bool close = true, int maxChunk = MaxContentLength)
    {
        using var stream = new MemoryStream();
        while (!content.IsEmpty)
        {
            var chunk = content[..Math.Min(content.Length, maxChunk)];
            stream.Write(Record(type, requestId, chunk));
            content = content[chunk.Length..];
        }

        if (close)
        {
            stream.Write(Record(type, requestId, []));
        }

        return stream.ToArray();
    }

    /// <summary>BEGIN_REQUEST, PARAMS, STDIN (in records of at most <paramref name="stdinChunk"/> bytes, as nginx splits a body it streams).</summary>
    public static byte[] Encode(TestRequest request, ushort requestId = 1, bool keepConnection = false, int stdinChunk = MaxContentLength)
        => [.. Begin(requestId, keepConnection), .. Stream(Params, requestId, NameValuePairs(request.Variables())), .. Stream(Stdin, requestId, request.Body, maxChunk: stdinChunk)];

    /// <summary>Sends one request with KEEP_CONN clear and reads records until the server closes.</summary>
    public static async Task<FastCgiExchange> SendAsync(EndPoint endPoint, TestRequest request, int stdinChunk = MaxContentLength)
    {
        using var socket = await Wire.ConnectAsync(endPoint);
        await Wire.SendAsync(socket, Encode(request, stdinChunk: stdinChunk));
        var reader = new FastCgiReader(socket);
        var records = new List<FastCgiRecord>();
        while (await reader.ReadAsync() is { } record)
        {
            records.Add(record);
        }

        return new FastCgiExchange(records);
    }

    private static void WriteLength(MemoryStream stream, int length)
    {
        if (length < 128)
        {
            stream.WriteByte((byte)length);
            return;
        }

        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(four, (uint)length | 0x8000_0000);
        stream.Write(four);
    }
}
