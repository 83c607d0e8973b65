using System.Buffers;
using Bridge.Protocol.FastCgi;
using Bridge.Protocol.Gateway;
using Bridge.Protocol.Uwsgi;
using Bridge.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace Bridge.Protocol.Tests;

/// <summary>
/// On any input, the readers either read, ask for more, or throw <see cref="GatewayProtocolException"/>: no other
/// exception escapes (an IndexOutOfRangeException here would be a crash in the connection loop).
/// </summary>
public sealed class RandomInputTests
{
    private static readonly ProtocolLimits Small = new() { MaxVarsBlockSize = 512, MaxVariables = 8, MaxParamsSize = 512, MaxMultiplexedRequests = 2 };

    // Random bytes, or a valid start followed by random bytes, so the readers get past their first checks.
    private static Gen<byte[]> Input(byte[][] prefixes) => Gen.Frequency(
        (2, Generators.Bytes(0, 300)),
        (3, from prefix in Gen.Elements(prefixes)
            from keep in Gen.Choose(0, prefix.Length)
            from tail in Generators.Bytes(0, 200)
            select (byte[])[.. prefix[..keep], .. tail]));

    private static Gen<(byte[] Bytes, int[] Cuts, bool SmallLimits)> Cases(byte[][] prefixes) =>
        from bytes in Input(prefixes)
        from cuts in Generators.Cuts(bytes.Length)
        from small in Gen.Elements(false, true)
        select (bytes, cuts, small);

    private static readonly byte[][] UwsgiStarts =
    [
        UwsgiRequestBuilder.Build([("REQUEST_METHOD", "GET"), ("CONTENT_LENGTH", "3")], "abc"u8),
        UwsgiRequestBuilder.Header(0, 40, 0),
        [0x1E, 0x10, 0x00, 0x07, 0x01, 0x00, 0x41],
    ];

    private static readonly byte[][] FastCgiStarts =
    [
        new FastCgiRequestBuilder { ParamsRecordSize = 5, Paddings = [3] }.Build([RawVariable.Of("REQUEST_METHOD", "GET"), RawVariable.Of("CONTENT_LENGTH", "2")], "hi"u8),
        [.. FastCgiRequestBuilder.BeginRequest(1), .. FastCgiRequestBuilder.BeginRequest(2), .. FastCgiRequestBuilder.BeginRequest(3)],
        FastCgiRequestBuilder.Record(FastCgiRequestBuilder.GetValuesType, 0, FastCgiRequestBuilder.EncodePairs([RawVariable.Of("FCGI_MAX_CONNS", "")])),
        [.. FastCgiRequestBuilder.BeginRequest(1), .. FastCgiRequestBuilder.Header(FastCgiRequestBuilder.ParamsType, 1, 20)],
    ];

    [Fact]
    public void The_uwsgi_reader_throws_nothing_but_protocol_exceptions()
        => Properties.Check(Cases(UwsgiStarts), c => OnlyProtocolErrors(() => UwsgiVectorDriver.Run(SequenceSplitter.SplitAt(c.Bytes, c.Cuts), c.SmallLimits ? Small : new())));

    [Fact]
    public void The_uwsgi_reader_throws_nothing_but_protocol_exceptions_on_a_sequence_with_empty_segments()
        => Properties.Check(Cases(UwsgiStarts), c => OnlyProtocolErrors(() =>
        {
            using var variables = new GatewayVariables();
            var buffer = WithEmptySegments(c.Bytes, c.Cuts);
            UwsgiRequestReader.TryRead(ref buffer, c.SmallLimits ? Small : new(), variables, out _);
        }));

    [Fact]
    public void The_fastcgi_decoder_throws_nothing_but_protocol_exceptions()
        => Properties.Check(Cases(FastCgiStarts), c => OnlyProtocolErrors(() => FastCgiVectorDriver.Run(SequenceSplitter.SplitAt(c.Bytes, c.Cuts), c.SmallLimits ? Small : new())));

    [Fact]
    public void The_fastcgi_decoder_throws_nothing_but_protocol_exceptions_on_a_sequence_with_empty_segments()
        => Properties.Check(Cases(FastCgiStarts), c => OnlyProtocolErrors(() =>
        {
            using var decoder = new FastCgiRequestDecoder(c.SmallLimits ? Small : new());
            var buffer = WithEmptySegments(c.Bytes, c.Cuts);
            while (decoder.TryReadFrame(ref buffer, out var frame))
            {
                if (frame.Kind == FastCgiFrameKind.StdinComplete)
                {
                    decoder.Complete(frame.RequestId);
                }
            }
        }));

    [Fact]
    public void The_name_value_reader_throws_nothing_but_protocol_exceptions()
    {
        byte[][] starts = [FastCgiRequestBuilder.EncodePairs([RawVariable.Of("A", "1"), RawVariable.Of("B", new string('x', 200))], forceLongLengths: true)];
        Properties.Check(Cases(starts), c => OnlyProtocolErrors(() =>
        {
            using var variables = new GatewayVariables();
            FastCgiNameValueReader.ReadAll(c.Bytes, c.SmallLimits ? Small : new(), variables);
        }));
    }

    [Fact]
    public void The_detector_throws_nothing_and_consumes_nothing()
        => Properties.Check(Cases([[0x01, 0x01], "GET "u8.ToArray(), [0x16, 0x03]]), c =>
        {
            var buffer = WithEmptySegments(c.Bytes, c.Cuts);
            var result = ProtocolDetector.Detect(buffer);
            Assert.True(Enum.IsDefined(result));
            Assert.Equal(c.Bytes.Length, buffer.Length);
        });

    private static void OnlyProtocolErrors(Action read)
    {
        var error = Record.Exception(read);
        Assert.True(error is null or GatewayProtocolException, $"{error?.GetType()} escaped: {error}");
    }

    // Cuts become segment boundaries; a cut repeated gives an empty segment, and cut 0 an empty first segment.
    private static ReadOnlySequence<byte> WithEmptySegments(byte[] bytes, int[] cuts)
        => SequenceSplitter.ToSequence(SequenceSplitter.SplitAt(bytes, [.. cuts, .. cuts.Take(2)]));
}
