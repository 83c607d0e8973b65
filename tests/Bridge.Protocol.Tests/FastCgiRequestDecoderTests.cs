using System.Buffers;
using Bridge.Protocol.FastCgi;
using Bridge.Testing;
using FsCheck.Fluent;
using B = Bridge.Testing.FastCgiRequestBuilder;

namespace Bridge.Protocol.Tests;

public sealed class FastCgiRequestDecoderTests
{
    private static readonly ProtocolLimits Defaults = new();

    private static readonly byte[] GetParams = B.EncodePairs([RawVariable.Of("REQUEST_METHOD", "GET")]);

    [Fact]
    public void Rejects_a_bad_version_from_the_first_byte_alone_even_after_a_good_record()
    {
        using var decoder = new FastCgiRequestDecoder(Defaults);
        var buffer = new ReadOnlySequence<byte>([.. B.BeginRequest(1), 0x02]);

        Assert.True(decoder.TryReadFrame(ref buffer, out var frame));
        Assert.Equal(FastCgiFrameKind.BeginRequest, frame.Kind);
        Assert.Equal(1, buffer.Length);

        var error = Assert.Throws<GatewayProtocolException>(() => decoder.TryReadFrame(ref buffer, out _));
        Assert.Equal(ProtocolError.BadFastCgiVersion, error.Reason);
        Assert.Equal(1, buffer.Length);
    }

    [Fact]
    public void Rejects_params_over_the_limit_from_a_header_whose_content_is_absent()
    {
        using var decoder = new FastCgiRequestDecoder(Defaults with { MaxParamsSize = 100 });
        var buffer = new ReadOnlySequence<byte>([.. B.BeginRequest(1), .. B.Header(B.ParamsType, 1, 101)]);

        Assert.True(decoder.TryReadFrame(ref buffer, out _));
        var error = Assert.Throws<GatewayProtocolException>(() => decoder.TryReadFrame(ref buffer, out _));

        Assert.Equal(ProtocolError.ParamsTooLarge, error.Reason);
        Assert.Equal(8, buffer.Length); // nothing consumed
    }

    [Fact]
    public void Counts_params_across_records_against_the_limit_before_the_content_arrives()
    {
        using var decoder = new FastCgiRequestDecoder(Defaults with { MaxParamsSize = 100 });
        var first = new byte[60];
        var buffer = new ReadOnlySequence<byte>([.. B.BeginRequest(1), .. B.Record(B.ParamsType, 1, first), .. B.Header(B.ParamsType, 1, 40)]);

        Assert.True(decoder.TryReadFrame(ref buffer, out _));
        Assert.False(decoder.TryReadFrame(ref buffer, out _)); // 60 + 40 = 100: at the limit, waits for content
        Assert.Equal(8, buffer.Length);

        using var over = new FastCgiRequestDecoder(Defaults with { MaxParamsSize = 100 });
        var start = new ReadOnlySequence<byte>([.. B.BeginRequest(1), .. B.Record(B.ParamsType, 1, first), .. B.Header(B.ParamsType, 1, 41)]);
        Assert.True(over.TryReadFrame(ref start, out _));
        var error = Assert.Throws<GatewayProtocolException>(() => over.TryReadFrame(ref start, out _));
        Assert.Equal(ProtocolError.ParamsTooLarge, error.Reason);
    }

    [Fact]
    public void Returns_false_and_consumes_nothing_for_every_incomplete_prefix_of_a_record()
    {
        var begin = B.BeginRequest(1, padding: 5);
        for (var length = 0; length < begin.Length; length++)
        {
            foreach (var shape in FastCgiRecordReaderTests.Shapes(begin.AsMemory(0, length)))
            {
                using var decoder = new FastCgiRequestDecoder(Defaults);
                var buffer = shape;
                Assert.False(decoder.TryReadFrame(ref buffer, out _));
                Assert.Equal(shape.Start, buffer.Start);
                Assert.Equal(shape.Length, buffer.Length);
                Assert.Equal(0, decoder.ActiveCount);
            }
        }
    }

    [Fact]
    public void Consumes_each_params_record_as_it_arrives_so_it_never_buffers_more_than_one_record()
    {
        using var decoder = new FastCgiRequestDecoder(Defaults);
        var begin = new ReadOnlySequence<byte>(B.BeginRequest(1));
        Assert.True(decoder.TryReadFrame(ref begin, out _));

        foreach (var piece in GetParams.Chunk(3))
        {
            var buffer = new ReadOnlySequence<byte>(B.Record(B.ParamsType, 1, piece, padding: 2));
            Assert.False(decoder.TryReadFrame(ref buffer, out _));
            Assert.True(buffer.IsEmpty);
        }

        var end = new ReadOnlySequence<byte>(B.Record(B.ParamsType, 1, []));
        Assert.True(decoder.TryReadFrame(ref end, out var frame));
        Assert.Equal(FastCgiFrameKind.ParamsComplete, frame.Kind);
        Assert.Equal("GET", frame.Variables!.RequestMethod);
    }

    [Fact]
    public void Consumes_a_single_params_record_when_only_part_of_the_empty_one_follows()
    {
        using var decoder = new FastCgiRequestDecoder(Defaults);
        var emptyParams = B.Record(B.ParamsType, 1, []);
        var buffer = new ReadOnlySequence<byte>([.. B.BeginRequest(1), .. B.Record(B.ParamsType, 1, GetParams), .. emptyParams[..5]]);

        Assert.True(decoder.TryReadFrame(ref buffer, out _));
        Assert.False(decoder.TryReadFrame(ref buffer, out _));
        Assert.Equal(5, buffer.Length);

        buffer = new ReadOnlySequence<byte>(emptyParams);
        Assert.True(decoder.TryReadFrame(ref buffer, out var frame));
        Assert.Equal(FastCgiFrameKind.ParamsComplete, frame.Kind);
        Assert.Equal(1, frame.Variables!.Count);
    }

    [Fact]
    public void Skips_records_of_inactive_ids_and_consumes_them_even_when_it_returns_false()
    {
        using var decoder = new FastCgiRequestDecoder(Defaults);
        var skipped = B.Record(B.StdinType, 7, "ignored"u8, padding: 1);
        var buffer = new ReadOnlySequence<byte>([.. skipped, .. B.Record(B.AbortRequestType, 7, []), .. B.BeginRequest(1)[..3]]);

        Assert.False(decoder.TryReadFrame(ref buffer, out _));

        Assert.Equal(3, buffer.Length);
    }

    [Fact]
    public void Reports_stdin_data_as_a_slice_of_the_buffer_and_moves_past_its_padding()
    {
        using var decoder = new FastCgiRequestDecoder(Defaults);
        byte[] bytes = [.. B.BeginRequest(1), .. B.Record(B.ParamsType, 1, GetParams), .. B.Record(B.ParamsType, 1, []), .. B.Record(B.StdinType, 1, "body"u8, padding: 4), .. B.Record(B.StdinType, 1, [])];
        var whole = new ReadOnlySequence<byte>(bytes);
        var buffer = whole;

        Assert.True(decoder.TryReadFrame(ref buffer, out _));
        Assert.True(decoder.TryReadFrame(ref buffer, out _));
        var stdinAt = bytes.Length - 8 - (8 + 4 + 4);
        Assert.Equal(whole.GetPosition(stdinAt), buffer.Start);
        Assert.True(decoder.TryReadFrame(ref buffer, out var data));
        Assert.Equal(FastCgiFrameKind.StdinData, data.Kind);
        Assert.Equal(whole.GetPosition(stdinAt + 8), data.Data.Start);
        Assert.Equal("body"u8.ToArray(), data.Data.ToArray());
        Assert.Equal(8, buffer.Length);
        Assert.True(decoder.TryReadFrame(ref buffer, out var end));
        Assert.Equal(FastCgiFrameKind.StdinComplete, end.Kind);
        Assert.True(buffer.IsEmpty);
    }

    // One record after BEGIN_REQUEST id 1 (and its PARAMS, when the case needs them ended).
    [Theory]
    [InlineData("01 01 0000 0008 00 00 0001 00 0000000000", ProtocolError.UnexpectedRequestId, false)] // BEGIN on id 0
    [InlineData("01 01 0001 0008 00 00 0001 00 0000000000", ProtocolError.UnexpectedRequestId, false)] // BEGIN on the active id
    [InlineData("01 01 0002 0007 00 00 0001 00 00000000", ProtocolError.BadRecord, false)] // BEGIN content 7
    [InlineData("01 03 0001 0008 00 00 0000000000000000", ProtocolError.BadRecord, false)] // END_REQUEST
    [InlineData("01 06 0001 0000 00 00", ProtocolError.BadRecord, false)] // STDOUT
    [InlineData("01 07 0009 0000 00 00", ProtocolError.BadRecord, false)] // STDERR, even on an inactive id
    [InlineData("01 09 0001 0000 00 00", ProtocolError.BadRecord, false)] // GET_VALUES on a request id
    [InlineData("01 0a 0001 0000 00 00", ProtocolError.BadRecord, false)] // GET_VALUES_RESULT
    [InlineData("01 0c 0001 0000 00 00", ProtocolError.BadRecord, false)] // type 12 on a request id
    [InlineData("01 05 0000 0000 00 00", ProtocolError.UnexpectedRequestId, false)] // STDIN on id 0
    [InlineData("01 05 0001 0001 00 00 41", ProtocolError.UnexpectedRecord, false)] // STDIN before PARAMS ended
    [InlineData("01 04 0001 0001 00 00 41", ProtocolError.UnexpectedRecord, true)] // PARAMS after PARAMS ended
    public void Rejects_a_record_that_cannot_come_from_a_front_end_and_consumes_nothing(string recordHex, ProtocolError expected, bool paramsEnded)
    {
        using var decoder = new FastCgiRequestDecoder(Defaults);
        byte[] start = paramsEnded ? [.. B.BeginRequest(1), .. B.Record(B.ParamsType, 1, GetParams), .. B.Record(B.ParamsType, 1, [])] : B.BeginRequest(1);
        var buffer = new ReadOnlySequence<byte>(start);
        while (decoder.TryReadFrame(ref buffer, out _))
        {
        }

        var record = HexVector.Parse(recordHex);
        buffer = new ReadOnlySequence<byte>(record);
        var error = Assert.Throws<GatewayProtocolException>(() => decoder.TryReadFrame(ref buffer, out _));

        Assert.Equal(expected, error.Reason);
        Assert.Equal(record.Length, buffer.Length);
    }

    [Theory]
    [InlineData(2, FastCgiProtocolStatus.UnknownRole)]
    [InlineData(3, FastCgiProtocolStatus.UnknownRole)]
    [InlineData(0, FastCgiProtocolStatus.UnknownRole)]
    public void Refuses_roles_other_than_responder_without_activating_the_id(ushort role, FastCgiProtocolStatus expected)
    {
        using var decoder = new FastCgiRequestDecoder(Defaults);
        var buffer = new ReadOnlySequence<byte>(B.BeginRequest(1, role, flags: 1));

        Assert.True(decoder.TryReadFrame(ref buffer, out var frame));

        Assert.Equal(FastCgiFrameKind.BeginRejected, frame.Kind);
        Assert.Equal(expected, frame.ProtocolStatus);
        Assert.Equal((FastCgiRole)role, frame.Role);
        Assert.Equal(0, decoder.ActiveCount);
    }

    [Theory]
    [InlineData(1, FastCgiProtocolStatus.CantMpxConn)]
    [InlineData(2, FastCgiProtocolStatus.Overloaded)]
    public void Refuses_a_begin_request_past_max_multiplexed_requests(int maximum, FastCgiProtocolStatus expected)
    {
        using var decoder = new FastCgiRequestDecoder(Defaults with { MaxMultiplexedRequests = maximum });
        var bytes = new List<byte>();
        for (ushort id = 1; id <= maximum + 1; id++)
        {
            bytes.AddRange(B.BeginRequest(id));
        }

        var buffer = new ReadOnlySequence<byte>(bytes.ToArray());
        for (var i = 0; i < maximum; i++)
        {
            Assert.True(decoder.TryReadFrame(ref buffer, out var accepted));
            Assert.Equal(FastCgiFrameKind.BeginRequest, accepted.Kind);
        }

        Assert.True(decoder.TryReadFrame(ref buffer, out var refused));
        Assert.Equal(FastCgiFrameKind.BeginRejected, refused.Kind);
        Assert.Equal(expected, refused.ProtocolStatus);
        Assert.Equal(maximum, decoder.ActiveCount);
    }

    [Fact]
    public void Reads_keep_conn_from_flag_bit_0_and_ignores_the_other_bits()
    {
        using var decoder = new FastCgiRequestDecoder(Defaults);
        var buffer = new ReadOnlySequence<byte>([.. B.BeginRequest(1, flags: 0xFE), .. B.BeginRequest(2, flags: 0xFF)]);

        Assert.True(decoder.TryReadFrame(ref buffer, out var first));
        Assert.True(decoder.TryReadFrame(ref buffer, out var second));

        Assert.False(first.KeepConnection);
        Assert.True(second.KeepConnection);
    }

    [Fact]
    public void Frees_an_id_on_complete_so_a_new_request_may_take_it_and_reset_forgets_every_request()
    {
        using var decoder = new FastCgiRequestDecoder(Defaults);
        var buffer = new ReadOnlySequence<byte>(B.BeginRequest(1));
        Assert.True(decoder.TryReadFrame(ref buffer, out _));
        Assert.Equal(1, decoder.ActiveCount);

        decoder.Complete(1);
        decoder.Complete(1); // twice is harmless
        Assert.Equal(0, decoder.ActiveCount);

        buffer = new ReadOnlySequence<byte>([.. B.BeginRequest(1), .. B.BeginRequest(2)]);
        Assert.True(decoder.TryReadFrame(ref buffer, out var again));
        Assert.Equal(FastCgiFrameKind.BeginRequest, again.Kind);
        Assert.True(decoder.TryReadFrame(ref buffer, out _));
        Assert.Equal(2, decoder.ActiveCount);

        decoder.Reset();
        Assert.Equal(0, decoder.ActiveCount);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(255)]
    public void Reports_an_unknown_management_type_with_its_type_byte(byte type)
    {
        using var decoder = new FastCgiRequestDecoder(Defaults);
        var buffer = new ReadOnlySequence<byte>(B.Record(type, 0, "xy"u8, padding: 3));

        Assert.True(decoder.TryReadFrame(ref buffer, out var frame));

        Assert.Equal(FastCgiFrameKind.UnknownManagementType, frame.Kind);
        Assert.Equal(type, frame.RecordType);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Rejects_a_max_multiplexed_requests_below_one()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new FastCgiRequestDecoder(Defaults with { MaxMultiplexedRequests = 0 }));

    [Fact]
    public void Round_trips_random_variables_and_body_with_random_record_sizes_padding_and_split()
    {
        var cases =
            from request in Generators.Request(maxVariables: 20, longValueMax: 400, maxBody: 3000)
            from paramsSize in Gen.Frequency((4, Gen.Choose(1, 16)), (2, Gen.Choose(17, 300)), (1, Gen.Constant(65535)))
            from stdinSize in Gen.Frequency((3, Gen.Choose(1, 64)), (1, Gen.Choose(65, 65535)))
            from paddings in Gen.Choose(1, 6).SelectMany(n => Gen.ArrayOf(Generators.Byte, n))
            from forceLong in Gen.Elements(false, false, true)
            from keep in Gen.Elements(false, true)
            from id in Gen.Choose(1, 65535)
            let builder = new FastCgiRequestBuilder
            {
                RequestId = (ushort)id,
                KeepConnection = keep,
                ParamsRecordSize = paramsSize,
                StdinRecordSize = stdinSize,
                Paddings = paddings,
                ForceLongLengths = forceLong,
            }
            let bytes = builder.Build(request.Variables, request.Body)
            from cuts in Generators.Cuts(bytes.Length)
            select (request.Variables, request.Body, Id: (ushort)id, Keep: keep, Bytes: bytes, Cuts: cuts);

        Properties.Check(cases, c =>
        {
            var result = FastCgiVectorDriver.Run(SequenceSplitter.SplitAt(c.Bytes, c.Cuts), Defaults);

            var request = Assert.Single(result.Requests);
            Assert.Equal(c.Id, request.RequestId);
            Assert.Equal(c.Keep, request.KeepConnection);
            Assert.True(RawVariable.SequenceEqual(c.Variables, request.Variables!), "The variables differ.");
            Assert.Equal(c.Body, request.Body);
            Assert.Equal(c.Body.Length, request.ContentLength);
            Assert.True(request.StdinComplete);
            Assert.Empty(result.Rejected);
        });
    }
}
