using Bridge.Server.Options;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>
/// How a FastCGI request ends when it does not go the easy way: an answer before the body (nginx stops sending
/// STDIN once it has the response's head), a 413 whose STDIN never comes, ABORT_REQUEST while the body arrives, and
/// PARAMS over a limit. END_REQUEST goes out at once each time, STDIN that still comes is skipped, and a kept
/// connection stays usable (protocol-spec/fastcgi.md §12).
/// </summary>
public sealed class FastCgiEndingTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_answer_given_before_the_body_ends_the_request_at_once_without_waiting_for_stdin(bool keepConnection)
    {
        await using var server = await TestServer.StartEchoAsync(ListenerProtocol.FastCgi);
        using var socket = await server.ConnectAsync();
        var request = new TestRequest("POST", "/status/200") { Body = new byte[1_000_000] };
        await Wire.SendAsync(socket, Bytes([.. Head(request, keepConnection), .. FastCgiWire.Stream(FastCgiWire.Stdin, 1, new byte[32_768], close: false)]));

        // Only part of the body was sent, as nginx does when the head of the answer reaches it first.
        var reader = new FastCgiReader(socket);
        var exchange = await reader.ReadUntilEndAsync(1, Prompt);

        Assert.Equal(200, exchange.Response().StatusCode);
        Assert.Equal(FastCgiWire.RequestComplete, exchange.EndRequestFor(1)!.ProtocolStatus);
        if (keepConnection)
        {
            // The rest of that STDIN is skipped; the next request on the connection is served.
            await Wire.SendAsync(socket, Bytes([
                .. FastCgiWire.Stream(FastCgiWire.Stdin, 1, new byte[40_000], close: true),
                .. FastCgiWire.Encode(TestRequest.Get("/hello"), keepConnection: true)]));
            Assert.Equal("hello world\n", (await reader.ReadUntilEndAsync(1, Prompt)).Response().BodyText);
        }
        else
        {
            // Without KEEP_CONN the connection closes after END_REQUEST, once the front end stops sending.
            socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            Assert.Null(await reader.ReadAsync(Prompt));
        }
    }

    // Apache's mod_proxy_fcgi sends a GET's empty STDIN in a write of its own, after PARAMS, without KEEP_CONN: a
    // synchronous app has answered by then, and a close at END_REQUEST made that write fail (EPIPE; Apache's 503,
    // "AH01075: Error dispatching request ... (sending empty stdin)"). The connection lingers for what is still coming.
    [Fact]
    public async Task Without_keep_conn_stdin_sent_after_an_immediate_answer_is_read_before_the_connection_closes()
    {
        await using var server = await TestServer.StartEchoAsync(ListenerProtocol.FastCgi);
        using var socket = await server.ConnectAsync();
        await Wire.SendAsync(socket, Head(TestRequest.Get("/hello"), keepConnection: false));

        var reader = new FastCgiReader(socket);
        Assert.Equal("hello world\n", (await reader.ReadUntilEndAsync(1, Prompt)).Response().BodyText);
        await Task.Delay(200); // long enough for a close that does not wait to have happened

        await Wire.SendAsync(socket, FastCgiWire.Stream(FastCgiWire.Stdin, 1, [])); // fails with EPIPE on a closed socket
        socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        Assert.Null(await reader.ReadAsync(Prompt));
    }

    [Fact]
    public async Task A_413_whose_stdin_never_comes_is_ended_and_its_connection_closed_without_keep_conn()
    {
        await using var server = await TestServer.StartEchoAsync(ListenerProtocol.FastCgi);
        using var socket = await server.ConnectAsync();
        var request = new TestRequest("POST", "/upload") { ContentLength = "40000000" };
        await Wire.SendAsync(socket, Head(request, keepConnection: false)); // and no STDIN at all

        var reader = new FastCgiReader(socket);
        var exchange = await reader.ReadUntilEndAsync(1, Prompt);

        Assert.Equal(413, exchange.Response().StatusCode);
        Assert.True(await Wire.ClosesWithinAsync(socket, Prompt), "The connection stayed open after the 413.");
        await server.Logs.WaitForAsync(202);
    }

    [Fact]
    public async Task A_413_on_a_kept_connection_is_ended_and_the_idle_timeout_then_applies()
    {
        var time = new ManualTimeProvider();
        await using var server = await TestServer.StartEchoAsync(ListenerProtocol.FastCgi, (o, _) => o.Limits.FastCgiKeepAliveTimeout = TimeSpan.FromSeconds(10), time);
        using var socket = await server.ConnectAsync();
        var request = new TestRequest("POST", "/upload") { ContentLength = "40000000" };
        await Wire.SendAsync(socket, Head(request, keepConnection: true));
        var reader = new FastCgiReader(socket);
        Assert.Equal(413, (await reader.ReadUntilEndAsync(1, Prompt)).Response().StatusCode);

        for (var i = 0; i < 20 && !await Wire.ClosesWithinAsync(socket, TimeSpan.FromMilliseconds(100)); i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        await server.Logs.WaitForAsync(110); // closed by the keep-alive timer: no state is left without one
    }

    [Fact]
    public async Task Abort_request_while_the_body_arrives_gets_end_request_and_the_kept_connection_stays_usable()
    {
        var app = new ProbeApplication(new Samples.Echo.EchoApplication());
        await using var server = await TestServer.StartAsync(app, ListenerProtocol.FastCgi);
        using var socket = await server.ConnectAsync();
        var request = new TestRequest("POST", "/upload") { ContentLength = "100000" };
        await Wire.SendAsync(socket, Bytes([.. Head(request, keepConnection: true), .. FastCgiWire.Stream(FastCgiWire.Stdin, 1, new byte[1000], close: false)]));
        await app.WaitStartedAsync();

        await Wire.SendAsync(socket, FastCgiWire.Record(FastCgiWire.AbortRequest, 1, []));

        var reader = new FastCgiReader(socket);
        var aborted = await reader.ReadUntilEndAsync(1, Prompt);
        Assert.Empty(aborted.Stdout(1)); // nobody waits for an answer: END_REQUEST alone, as the spec asks
        Assert.True((await app.WaitEndedAsync()).Aborted);
        await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get("/hello"), keepConnection: true));
        Assert.Equal("hello world\n", (await reader.ReadUntilEndAsync(1, Prompt)).Response().BodyText);
    }

    [Fact]
    public async Task More_variables_than_the_limit_are_answered_431_as_over_uwsgi()
    {
        await using var server = await TestServer.StartEchoAsync(ListenerProtocol.Auto);
        using var socket = await server.ConnectAsync();
        var request = new TestRequest("GET", "/hello") { Headers = [.. Enumerable.Range(0, 1001).Select(i => ($"X-{i}", "v"))] };
        await Wire.SendAsync(socket, FastCgiWire.Encode(request, keepConnection: true));

        var reader = new FastCgiReader(socket);
        var exchange = await reader.ReadUntilEndAsync(1, Prompt);

        Assert.Equal(431, exchange.Response().StatusCode);
        Assert.Null(await reader.ReadAsync(Prompt)); // then closed
        Assert.Equal(431, (await server.SendAsync(Bridge.Server.Gateway.GatewayProtocol.Uwsgi, request)).StatusCode);
    }

    [Fact]
    public async Task Params_over_the_size_limit_are_answered_431()
    {
        await using var server = await TestServer.StartEchoAsync(ListenerProtocol.FastCgi, (o, _) => o.Limits.MaxParamsSize = 4096);
        using var socket = await server.ConnectAsync();
        var request = new TestRequest("GET", "/hello") { Headers = [("X-Big", new string('x', 8000))] };
        await Wire.SendAsync(socket, FastCgiWire.Encode(request, keepConnection: true));

        var exchange = await new FastCgiReader(socket).ReadUntilEndAsync(1, Prompt);

        Assert.Equal(431, exchange.Response().StatusCode);
    }

    private static byte[] Bytes(byte[] bytes) => bytes;

    // BEGIN_REQUEST and the whole PARAMS stream of a request, without STDIN.
    private static byte[] Head(TestRequest request, bool keepConnection)
        => [.. FastCgiWire.Begin(1, keepConnection), .. FastCgiWire.Stream(FastCgiWire.Params, 1, FastCgiWire.NameValuePairs(request.Variables()))];
}
