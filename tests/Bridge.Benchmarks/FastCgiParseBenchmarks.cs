using System.Buffers;
using BenchmarkDotNet.Attributes;
using Bridge.Protocol;
using Bridge.Protocol.FastCgi;

namespace Bridge.Benchmarks;

/// <summary>
/// Whole nginx 1.22 FastCGI requests decoded by one <see cref="FastCgiRequestDecoder"/> reused across requests,
/// as on a keep-alive connection: every frame is read, and the id is completed at StdinComplete.
/// </summary>
[MemoryDiagnoser]
public class FastCgiParseBenchmarks
{
    private FastCgiRequestDecoder _decoder = null!;
    private ReadOnlySequence<byte> _post;
    private ReadOnlySequence<byte> _get;

    [GlobalSetup]
    public void Setup()
    {
        _decoder = new FastCgiRequestDecoder(new ProtocolLimits());
        _post = Captures.Load("fastcgi/nginx-1.22-fastcgi-post-cl.bin");
        _get = Captures.Load("fastcgi/nginx-1.22-fastcgi-get.bin");

        // 24 variables + 11 body bytes; 27 variables. A request left active would fail the next BEGIN_REQUEST.
        if (DecodePostWithBody() != 24 + 11 || DecodeGet() != 27 || _decoder.ActiveCount != 0)
        {
            throw new InvalidOperationException("The FastCGI captures did not decode to whole, completed requests.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _decoder.Dispose();

    /// <summary>BEGIN_REQUEST, PARAMS (24 pairs), empty PARAMS, STDIN of 11 bytes, empty STDIN.</summary>
    [Benchmark(Baseline = true)]
    public int DecodePostWithBody() => Decode(_post);

    /// <summary>BEGIN_REQUEST, PARAMS (27 pairs, one with a 4-byte length), empty PARAMS, empty STDIN.</summary>
    [Benchmark]
    public int DecodeGet() => Decode(_get);

    private int Decode(ReadOnlySequence<byte> buffer)
    {
        var total = 0;
        while (_decoder.TryReadFrame(ref buffer, out var frame))
        {
            switch (frame.Kind)
            {
                case FastCgiFrameKind.ParamsComplete:
                    total += frame.Variables!.Count;
                    break;
                case FastCgiFrameKind.StdinData:
                    total += (int)frame.Data.Length;
                    break;
                case FastCgiFrameKind.StdinComplete:
                    _decoder.Complete(frame.RequestId);
                    break;
            }
        }

        return total;
    }
}
