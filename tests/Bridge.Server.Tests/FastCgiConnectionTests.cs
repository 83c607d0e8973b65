using System.Buffers.Binary;
using System.Text;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>FastCGI connection rules: KEEP_CONN, management records, roles, multiplexing, ABORT_REQUEST.</summary>
public sealed class FastCgiConnectionTests : IAsyncLifetime
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);
    private readonly ProbeApplication _app = new(new Samples.Echo.EchoApplication());
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(_app);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task With_keep_conn_several_requests_run_in_sequence_on_one_connection_which_stays_open()
    {
        using var socket = await _server.ConnectAsync();
        var reader = new FastCgiReader(socket);

        foreach (var (uri, status) in new[] { ("/hello", 200), ("/bytes/70000", 200), ("/status/204", 204), ("/hello", 200) })
        {
            await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get(uri), requestId: 1, keepConnection: true));
            var exchange = await reader.ReadUntilEndAsync(1);
            exchange.AssertWellFramed(1);
            Assert.Equal(status, exchange.Response(1).StatusCode);
        }

        await Wire.AssertQuietAsync(socket, Quiet);
        Assert.Equal(1, _server.Server.ConnectionCount);
    }

    [Fact]
    public async Task Without_keep_conn_the_server_closes_right_after_end_request()
    {
        using var socket = await _server.ConnectAsync();
        var reader = new FastCgiReader(socket);
        await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get("/hello"), requestId: 1, keepConnection: false));

        var exchange = await reader.ReadUntilEndAsync(1);

        exchange.AssertWellFramed(1);
        Assert.Null(await reader.ReadAsync()); // EOF, and nothing after END_REQUEST
    }

    [Fact]
    public async Task Nothing_follows_end_request_on_a_kept_connection()
    {
        using var socket = await _server.ConnectAsync();
        var reader = new FastCgiReader(socket);
        var body = EchoRoutesTests.Pattern(200_000);
        await Wire.SendAsync(socket, FastCgiWire.Encode(new TestRequest("POST", "/upload") { Body = body }, requestId: 1, keepConnection: true));

        var exchange = await reader.ReadUntilEndAsync(1);

        exchange.AssertWellFramed(1);
        Assert.Equal(200, exchange.Response(1).StatusCode);
        await Wire.AssertQuietAsync(socket, Quiet);
    }

    [Fact]
    public async Task Get_values_is_answered_with_max_conns_max_reqs_and_mpxs_conns()
    {
        using var socket = await _server.ConnectAsync();
        var query = FastCgiWire.NameValuePairs([("FCGI_MAX_CONNS", ""), ("FCGI_MAX_REQS", ""), ("FCGI_MPXS_CONNS", ""), ("X_UNKNOWN", "")]);
        await Wire.SendAsync(socket, FastCgiWire.Record(FastCgiWire.GetValues, 0, query));

        var record = await new FastCgiReader(socket).ReadAsync();

        Assert.NotNull(record);
        Assert.Equal(FastCgiWire.GetValuesResult, record.Type);
        Assert.Equal(0, record.RequestId);
        var values = DecodePairs(record.Content);
        Assert.Equal(["FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS"], values.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("10000", values["FCGI_MAX_CONNS"]);
        Assert.Equal("160000", values["FCGI_MAX_REQS"]);
        Assert.Equal("1", values["FCGI_MPXS_CONNS"]);
        await Wire.AssertQuietAsync(socket, Quiet);
    }

    [Fact]
    public async Task An_unknown_management_type_is_answered_with_unknown_type()
    {
        using var socket = await _server.ConnectAsync();
        await Wire.SendAsync(socket, FastCgiWire.Record(200, 0, new byte[8], padding: 3));

        var record = await new FastCgiReader(socket).ReadAsync();

        Assert.NotNull(record);
        Assert.Equal(FastCgiWire.UnknownType, record.Type);
        Assert.Equal(0, record.RequestId);
        Assert.Equal(8, record.Content.Length);
        Assert.Equal(200, record.Content[0]);
    }

    [Fact]
    public async Task Role_authorizer_is_refused_with_end_request_unknown_role_and_the_connection_goes_on()
    {
        using var socket = await _server.ConnectAsync();
        var reader = new FastCgiReader(socket);
        byte[] refused = [.. FastCgiWire.Begin(1, keepConnection: true, role: 2),
            .. FastCgiWire.Stream(FastCgiWire.Params, 1, FastCgiWire.NameValuePairs(TestRequest.Get("/hello").Variables())),
            .. FastCgiWire.Stream(FastCgiWire.Stdin, 1, [])];
        await Wire.SendAsync(socket, refused);

        var end = await reader.ReadAsync();

        Assert.NotNull(end);
        Assert.Equal(FastCgiWire.EndRequest, end.Type);
        Assert.Equal(1, end.RequestId);
        Assert.Equal(FastCgiWire.UnknownRole, end.ProtocolStatus);
        Assert.False(_app.AnyStarted);
        await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get("/hello"), requestId: 2, keepConnection: true));
        var next = await reader.ReadUntilEndAsync(2);
        next.AssertWellFramed(2);
        Assert.Equal("hello world\n", next.Response(2).BodyText);
    }

    [Fact]
    public async Task Role_authorizer_without_keep_conn_is_refused_and_the_connection_closed()
    {
        using var socket = await _server.ConnectAsync();
        var reader = new FastCgiReader(socket);
        await Wire.SendAsync(socket, FastCgiWire.Begin(1, keepConnection: false, role: 2));

        var end = await reader.ReadAsync();

        Assert.NotNull(end);
        Assert.Equal(FastCgiWire.UnknownRole, end.ProtocolStatus);
        Assert.Null(await reader.ReadAsync()); // KEEP_CONN clear: END_REQUEST, then the server closes
    }

    [Fact]
    public async Task Interleaved_requests_both_complete_and_the_quicker_one_ends_first()
    {
        using var socket = await _server.ConnectAsync();
        var reader = new FastCgiReader(socket);
        var slow = FastCgiWire.Encode(TestRequest.Get("/delay/300"), requestId: 1, keepConnection: true);
        var quick = FastCgiWire.Encode(TestRequest.Get("/hello"), requestId: 2, keepConnection: true);
        var slowBegin = FastCgiWire.Begin(1, true).Length;
        var quickBegin = FastCgiWire.Begin(2, true).Length;
        // BEGIN 1, BEGIN 2, then the rest of 1 (PARAMS, STDIN), then the rest of 2: records interleaved.
        byte[] interleaved = [.. slow[..slowBegin], .. quick[..quickBegin], .. slow[slowBegin..], .. quick[quickBegin..]];
        await Wire.SendAsync(socket, interleaved);

        var records = new List<FastCgiRecord>();
        while (records.Count(r => r.Type == FastCgiWire.EndRequest) < 2)
        {
            var record = await reader.ReadAsync();
            Assert.NotNull(record);
            records.Add(record);
        }

        var exchange = new FastCgiExchange(records);
        exchange.AssertWellFramed(1);
        exchange.AssertWellFramed(2);
        Assert.Equal("ok\n", exchange.Response(1).BodyText);
        Assert.Equal("hello world\n", exchange.Response(2).BodyText);
        var ends = records.Where(r => r.Type == FastCgiWire.EndRequest).Select(r => r.RequestId).ToArray();
        Assert.Equal([2, 1], ends);
        await Wire.AssertQuietAsync(socket, Quiet);
    }

    [Fact]
    public async Task Abort_request_ends_a_running_request_promptly_with_end_request_for_its_id()
    {
        using var socket = await _server.ConnectAsync();
        var reader = new FastCgiReader(socket);
        await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get("/delay/600000"), requestId: 1, keepConnection: true)); // 10 minutes
        await _app.WaitStartedAsync();

        await Wire.SendAsync(socket, FastCgiWire.Record(FastCgiWire.AbortRequest, 1, []));
        var exchange = await reader.ReadUntilEndAsync(1); // within Wire.Timeout: only the abort can end the delay so soon

        var end = exchange.EndRequestFor(1)!;
        Assert.Equal(FastCgiWire.RequestComplete, end.ProtocolStatus);
        var ended = await _app.WaitEndedAsync();
        Assert.True(ended.Aborted);
        await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get("/hello"), requestId: 1, keepConnection: true));
        Assert.Equal("hello world\n", (await reader.ReadUntilEndAsync(1)).Response(1).BodyText);
    }

    private static Dictionary<string, string> DecodePairs(byte[] content)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        var span = content.AsSpan();
        while (!span.IsEmpty)
        {
            var nameLength = ReadLength(ref span);
            var valueLength = ReadLength(ref span);
            pairs[Encoding.ASCII.GetString(span[..nameLength])] = Encoding.ASCII.GetString(span.Slice(nameLength, valueLength));
            span = span[(nameLength + valueLength)..];
        }

        return pairs;
    }

    private static int ReadLength(ref Span<byte> span)
    {
        if (span[0] < 0x80)
        {
            var one = span[0];
            span = span[1..];
            return one;
        }

        var four = (int)(BinaryPrimitives.ReadUInt32BigEndian(span) & 0x7fff_ffff);
        span = span[4..];
        return four;
    }
}
