using System.Buffers;
using Bridge.Protocol.Gateway;

namespace Bridge.Protocol.FastCgi;

/// <summary>
/// What the decoder remembers of one active request: its id, how far its streams got, and the PARAMS bytes
/// gathered so far (a name-value pair may straddle records at any byte, so pairs are read from the whole stream).
/// PARAMS decode into the variables the caller gave for this request (<see cref="FastCgiRequestDecoder.UseVariables"/>),
/// which stay the caller's, or else into the state's own, which are reused when the id is next taken.
/// </summary>
internal sealed class FastCgiRequestState : IDisposable
{
    private byte[] _params = [];

    public ushort RequestId { get; private set; }

    public bool Active { get; private set; }

    public bool ParamsComplete { get; private set; }

    public bool StdinComplete { get; set; }

    public int ParamsLength { get; private set; }

    private GatewayVariables? _own;
    private GatewayVariables? _given;

    public GatewayVariables Variables => _given ?? (_own ??= new GatewayVariables());

    public void Activate(ushort requestId)
    {
        RequestId = requestId;
        Active = true;
        ParamsComplete = false;
        StdinComplete = false;
        ParamsLength = 0;
        _given = null; // the last request's variables are its owner's: never cleared or written here again
        _own?.Clear();
    }

    public void Use(GatewayVariables variables)
    {
        variables.Clear();
        _given = variables;
    }

    public void Deactivate()
    {
        Active = false;
        _given = null;
    }

    // Callers check the total against ProtocolLimits.MaxParamsSize from the record header first.
    public void AppendParams(in ReadOnlySequence<byte> content)
    {
        var needed = ParamsLength + (int)content.Length;
        if (_params.Length < needed)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _params.Length * 2));
            _params.AsSpan(0, ParamsLength).CopyTo(bigger);
            ReturnBuffer();
            _params = bigger;
        }

        content.CopyTo(_params.AsSpan(ParamsLength));
        ParamsLength = needed;
    }

    public void CompleteParams(in ProtocolLimits limits) => Decode(_params.AsSpan(0, ParamsLength), limits);

    public void CompleteParams(in ReadOnlySequence<byte> stream, in ProtocolLimits limits)
    {
        if (stream.IsSingleSegment)
        {
            Decode(stream.FirstSpan, limits);
            return;
        }

        AppendParams(stream);
        CompleteParams(limits);
    }

    public void Dispose()
    {
        ReturnBuffer();
        _params = [];
        _own?.Dispose();
        _own = null;
        _given = null;
    }

    private void Decode(ReadOnlySpan<byte> stream, in ProtocolLimits limits)
    {
        ParamsComplete = true;
        Variables.Clear();
        FastCgiNameValueReader.ReadAll(stream, limits, Variables);
        Variables.ValidateRequest();
    }

    private void ReturnBuffer()
    {
        if (_params.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_params);
        }
    }
}
