using System.Buffers;
using BenchmarkDotNet.Attributes;
using Bridge.Protocol.FastCgi;
using Bridge.Protocol.Http;
using Bridge.Protocol.Uwsgi;

namespace Bridge.Benchmarks;

/// <summary>
/// A 200 response head with three headers written in each protocol, and a small FastCGI body with its
/// END_REQUEST, into one <see cref="ArrayBufferWriter{T}"/> reset before every write.
/// </summary>
[MemoryDiagnoser]
public class ResponseHeadBenchmarks
{
    private const ushort RequestId = 1;

    private readonly ArrayBufferWriter<byte> _output = new(1024);
    private readonly ResponseHeader[] _headers =
    [
        new("Content-Type", "text/plain; charset=utf-8"),
        new("Content-Length", "12"),
        new("Set-Cookie", "session=3f2a9c; Path=/; HttpOnly; SameSite=Lax"),
    ];

    private readonly byte[] _body = "Hello, world"u8.ToArray();

    /// <summary><c>HTTP/1.1 200 OK</c>, the headers, a blank line.</summary>
    [Benchmark(Baseline = true)]
    public int UwsgiWriteHead()
    {
        _output.ResetWrittenCount();
        return UwsgiResponseWriter.WriteHead(_output, 200, null, _headers);
    }

    /// <summary>One STDOUT record holding <c>Status: 200 OK</c>, the headers, a blank line.</summary>
    [Benchmark]
    public int FastCgiWriteHead()
    {
        _output.ResetWrittenCount();
        return FastCgiRecordWriter.WriteHead(_output, RequestId, 200, null, _headers);
    }

    /// <summary>A 12-byte STDOUT record, then END_REQUEST (RequestComplete).</summary>
    [Benchmark]
    public int FastCgiWriteStdoutAndEndRequest()
    {
        _output.ResetWrittenCount();
        FastCgiRecordWriter.WriteStdout(_output, RequestId, _body);
        FastCgiRecordWriter.WriteEndRequest(_output, RequestId, 0, FastCgiProtocolStatus.RequestComplete);
        return _output.WrittenCount;
    }
}
