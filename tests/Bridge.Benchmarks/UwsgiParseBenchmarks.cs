using System.Buffers;
using BenchmarkDotNet.Attributes;
using Bridge.Protocol;
using Bridge.Protocol.Gateway;
using Bridge.Protocol.Uwsgi;

namespace Bridge.Benchmarks;

/// <summary>
/// One nginx 1.22 uwsgi GET (Debian uwsgi_params, 20 variables, repeated X-Dup and Cookie) parsed into a
/// <see cref="GatewayVariables"/> reused from request to request, as a connection loop does.
/// </summary>
[MemoryDiagnoser]
public class UwsgiParseBenchmarks
{
    private readonly ProtocolLimits _limits = new();
    private ReadOnlySequence<byte> _packet;
    private GatewayVariables _variables = null!;

    [GlobalSetup]
    public void Setup()
    {
        _packet = Captures.Load("uwsgi/nginx-1.22-uwsgi-get.bin");
        _variables = new GatewayVariables();
        if (ReadVariables() != 20)
        {
            throw new InvalidOperationException("The uwsgi GET capture should parse to 20 variables.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _variables.Dispose();

    /// <summary>Header and vars block into the reused variables.</summary>
    [Benchmark(Baseline = true)]
    public int ReadVariables()
    {
        var buffer = _packet;
        UwsgiRequestReader.TryRead(ref buffer, _limits, _variables, out _);
        return _variables.Count;
    }

    /// <summary>The same, then what the server reads of every request: the typed properties and the headers.</summary>
    [Benchmark]
    public long ReadVariablesAndRequestProperties()
    {
        var buffer = _packet;
        UwsgiRequestReader.TryRead(ref buffer, _limits, _variables, out _);
        long sum = _variables.RequestMethod.Length
            + (_variables.ContentLength ?? 0)
            + (_variables.IsHttps ? 1 : 0)
            + (_variables.RemotePort ?? 0);
        foreach (var index in _variables.Headers)
        {
            sum += _variables.GetName(index).Length + _variables.GetValue(index).Length;
        }

        return sum;
    }
}
