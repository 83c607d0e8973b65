using System.Text;
using System.Threading.Channels;
using Bridge.Server.Gateway;
using Bridge.Server.Options;
using Bridge.Server.Tests.Infrastructure;
using Bridge.Testing.Isolation;

namespace Bridge.Server.Tests;

/// <summary>
/// A request is its app's until the app and its OnCompleted callbacks are done (issue 10): what they read of the
/// request and the response after the answer has left, while the next request on the connection is already
/// arriving, is still their own.
/// </summary>
public sealed class RequestStateAfterResponseTests
{
    private const int Pairs = 2000;
    private const int HeldPairs = 50;
    private static readonly TimeSpan SequenceLimit = TimeSpan.FromSeconds(120);

    public static TheoryData<GatewayProtocol, AnswerEnd> GatewaysAndEnds => new()
    {
        { GatewayProtocol.FastCgi, AnswerEnd.ContentLengthReached },
        { GatewayProtocol.FastCgi, AnswerEnd.CompleteAsync },
        { GatewayProtocol.Uwsgi, AnswerEnd.ContentLengthReached },
        { GatewayProtocol.Uwsgi, AnswerEnd.CompleteAsync },
    };

    /// <summary>How the held handler ends its answer before going on working.</summary>
    public enum AnswerEnd
    {
        /// <summary>Content-Length 5, then 5 bytes: the answer ends with the write that reaches the length.</summary>
        ContentLengthReached,

        /// <summary>5 bytes, not flushed, then <see cref="GatewayResponse.CompleteAsync"/>.</summary>
        CompleteAsync,
    }

    [Fact]
    public async Task Every_on_completed_callback_sees_its_own_request_and_response_when_awaiting_and_synchronous_requests_alternate_on_a_kept_fastcgi_connection()
    {
        var observed = Channel.CreateUnbounded<(RequestView Expected, RequestView Seen)>();
        await using var server = await TestServer.StartAsync(new DelegateApplication(context => AlternatingAsync(context, observed.Writer)), ListenerProtocol.FastCgi);

        var wrongAnswers = await AlternatingSequence.SendOverKeptFastCgiConnectionAsync(server.EndPoint, Pairs, SequenceLimit, WithId);

        await AssertEachObservationIsItsOwnAsync(observed.Reader, Pairs, wrongAnswers);
    }

    [Fact]
    public async Task An_on_completed_callback_that_runs_once_the_next_request_on_the_kept_connection_has_reached_the_app_sees_its_own_request()
    {
        var observed = Channel.CreateUnbounded<(RequestView Expected, RequestView Seen)>();
        var app = new HeldAfterAnswerApplication(
            new DelegateApplication(context => AlternatingAsync(context, observed.Writer)),
            context => context.Request.Path.StartsWith("/delay/", StringComparison.Ordinal));
        await using var server = await TestServer.StartAsync(app, ListenerProtocol.FastCgi);

        var wrongAnswers = await AlternatingSequence.SendOverKeptFastCgiConnectionAsync(server.EndPoint, HeldPairs, SequenceLimit, WithId);

        await AssertEachObservationIsItsOwnAsync(observed.Reader, HeldPairs, wrongAnswers);
        Assert.Equal(0, app.Unreleased);
    }

    [Theory]
    [MemberData(nameof(GatewaysAndEnds))]
    public async Task A_handler_still_running_after_its_answer_ended_reads_its_own_request_after_the_next_request_was_served(GatewayProtocol gateway, AnswerEnd end)
    {
        var answered = new TaskCompletionSource<RequestView>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var later = new TaskCompletionSource<RequestView>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(new DelegateApplication(async context =>
        {
            if (!context.Request.Path.StartsWith("/first", StringComparison.Ordinal))
            {
                await HelloAsync(context);
                return;
            }

            await EndAnswerAsync(context, end);
            answered.TrySetResult(RequestView.Of(context));
            await release.Task.WaitAsync(Wire.Timeout);
            later.TrySetResult(RequestView.Of(context));
        }));
        var first = WithId("/first/held?id=first-request");
        var second = WithId("/hello?id=second-request");

        using var socket = await server.ConnectAsync();
        await Wire.SendAsync(socket, gateway == GatewayProtocol.Uwsgi ? UwsgiWire.Encode(first) : FastCgiWire.Encode(first, requestId: 1, keepConnection: true));
        WireResponse firstResponse;
        WireResponse secondResponse;
        if (gateway == GatewayProtocol.Uwsgi)
        {
            firstResponse = WireResponse.ParseHttp(await Wire.ReadHttpResponseAsync(socket)); // the answer ended; the connection stays with the handler
            secondResponse = await UwsgiWire.SendAsync(server.EndPoint, second);
        }
        else
        {
            var reader = new FastCgiReader(socket);
            firstResponse = (await reader.ReadUntilEndAsync(1)).Response(1);
            await Wire.SendAsync(socket, FastCgiWire.Encode(second, requestId: 1, keepConnection: true)); // the same id, as nginx reuses it
            secondResponse = (await reader.ReadUntilEndAsync(1)).Response(1);
        }

        var atAnswer = await answered.Task.WaitAsync(Wire.Timeout);
        release.TrySetResult();
        var afterNext = await later.Task.WaitAsync(Wire.Timeout);

        Assert.Equal("first", firstResponse.BodyText);
        Assert.Equal("hello world\n", secondResponse.BodyText);
        Assert.Equal(RequestView.Expected("GET", first.Uri, 200, atAnswer.ContentLength), atAnswer);
        Assert.Equal(atAnswer, afterNext);
    }

    private static TestRequest WithId(string target) => TestRequest.Get(target).WithHeader(RequestView.IdHeader, target);

    // /delay/1?first=N awaits, then answers ok\n (3 bytes); /hello?second=N answers at once (12 bytes). Each
    // registers an OnCompleted callback that reports what it sees then, beside what the request was.
    private static async Task AlternatingAsync(GatewayContext context, ChannelWriter<(RequestView Expected, RequestView Seen)> observed)
    {
        var request = context.Request;
        var target = request.Variables.TryGetValue("REQUEST_URI"u8, out var uri) ? Encoding.Latin1.GetString(uri) : "";
        var awaiting = request.Path.StartsWith("/delay/", StringComparison.Ordinal);
        var expected = RequestView.Expected("GET", target, 200, awaiting ? 3 : 12);
        context.Response.OnCompleted(state =>
        {
            observed.TryWrite((expected, RequestView.Of((GatewayContext)state)));
            return Task.CompletedTask;
        }, context);
        if (awaiting)
        {
            await Task.Delay(1, context.RequestAborted);
            context.Response.ContentLength = AlternatingSequence.AwaitingBody.Length;
            await context.Response.Body.WriteAsync(AlternatingSequence.AwaitingBody, context.RequestAborted);
        }
        else
        {
            await HelloAsync(context);
        }
    }

    private static async Task HelloAsync(GatewayContext context)
    {
        context.Response.ContentLength = AlternatingSequence.SynchronousBody.Length;
        await context.Response.Body.WriteAsync(AlternatingSequence.SynchronousBody, context.RequestAborted);
    }

    private static async Task EndAnswerAsync(GatewayContext context, AnswerEnd end)
    {
        var body = "first"u8.ToArray();
        if (end == AnswerEnd.ContentLengthReached)
        {
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
            return;
        }

        body.CopyTo(context.Response.Body.GetSpan(body.Length));
        context.Response.Body.Advance(body.Length);
        await context.Response.CompleteAsync();
    }

    private static async Task AssertEachObservationIsItsOwnAsync(ChannelReader<(RequestView Expected, RequestView Seen)> observed, int pairs, List<string> wrongAnswers)
    {
        var views = new List<(RequestView Expected, RequestView Seen)>();
        using var timeout = new CancellationTokenSource(Wire.Timeout);
        try
        {
            while (views.Count < 2 * pairs)
            {
                views.Add(await observed.ReadAsync(timeout.Token));
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Only {views.Count} of {2 * pairs} OnCompleted callbacks ran.");
        }

        var wrong = views.Where(v => v.Expected != v.Seen).ToList();
        var unseen = AlternatingSequence.Targets(pairs).Except(views.Select(v => v.Expected.RawTarget), StringComparer.Ordinal).Count();
        Assert.True(wrongAnswers.Count == 0, $"{wrongAnswers.Count} answers were not their request's: {string.Join(" | ", wrongAnswers.Take(5))}");
        Assert.True(
            wrong.Count == 0 && unseen == 0,
            $"{wrong.Count} of {views.Count} OnCompleted callbacks saw another request or response than their own "
            + $"({wrong.Count(w => AlternatingSequence.IsAwaiting(w.Expected.RawTarget))} of the awaiting requests', {wrong.Count(w => !AlternatingSequence.IsAwaiting(w.Expected.RawTarget))} of the synchronous ones'); "
            + $"{unseen} requests had no callback. First: " + string.Join(" | ", wrong.Take(3).Select(w => $"expected {w.Expected}, saw {w.Seen}")));
    }
}
