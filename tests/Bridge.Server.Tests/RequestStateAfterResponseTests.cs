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

    [Fact]
    public async Task Every_on_completed_callback_sees_its_own_request_and_response_when_awaiting_and_synchronous_requests_alternate_on_a_kept_fastcgi_connection()
    {
        var observed = Channel.CreateUnbounded<(RequestView Expected, RequestView Seen)>();
        await using var server = await TestServer.StartAsync(new DelegateApplication(context => AlternatingAsync(context, observed.Writer)), ListenerProtocol.FastCgi);

        var wrongAnswers = await AlternatingSequence.SendOverKeptFastCgiConnectionAsync(server.EndPoint, Pairs, SequenceLimit, WithId);

        await AlternatingSequence.AssertEachObservationIsItsOwnAsync(observed.Reader, Pairs, wrongAnswers, v => v.RawTarget);
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

        await AlternatingSequence.AssertEachObservationIsItsOwnAsync(observed.Reader, HeldPairs, wrongAnswers, v => v.RawTarget);
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
        var (firstResponse, secondResponse) = await HeldHandlerExchange.SendAsync(socket, server.EndPoint, gateway == GatewayProtocol.Uwsgi, first, second);

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
}
