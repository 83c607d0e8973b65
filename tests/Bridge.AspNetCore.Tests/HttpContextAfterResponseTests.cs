using System.Threading.Channels;
using Bridge.AspNetCore.Tests.Infrastructure;
using Bridge.Testing.Isolation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Bridge.AspNetCore.Tests;

/// <summary>
/// An ASP.NET Core request is its app's until the app and its OnCompleted callbacks are done (issue 10): what
/// logging and telemetry middleware read in <c>Response.OnCompleted</c> (the request, the gateway variables, the
/// status and length), and what a handler reads after <c>CompleteAsync()</c> or after its body reached its
/// Content-Length, is its own request even when the next one on the connection has already arrived.
/// </summary>
public sealed class HttpContextAfterResponseTests
{
    private const int Pairs = 2000;
    private const int HeldPairs = 50;
    private static readonly TimeSpan SequenceLimit = TimeSpan.FromSeconds(120);

    public static TheoryData<Front, AnswerEnd> FrontsAndEnds => new()
    {
        { Front.FastCgi, AnswerEnd.ContentLengthReached },
        { Front.FastCgi, AnswerEnd.CompleteAsync },
        { Front.Uwsgi, AnswerEnd.ContentLengthReached },
        { Front.Uwsgi, AnswerEnd.CompleteAsync },
    };

    [Fact]
    public async Task Every_OnCompleted_callback_sees_its_own_request_variables_and_response_when_awaiting_and_synchronous_requests_alternate_on_a_kept_FastCgi_connection()
    {
        var observed = Channel.CreateUnbounded<(HttpContextView Expected, HttpContextView Seen)>();
        await using var app = await BridgeApp.StartAsync(web => MapAlternating(web, observed.Writer, arrivals: null));

        var wrongAnswers = await AlternatingSequence.SendOverKeptFastCgiConnectionAsync(app.EndPoint, Pairs, SequenceLimit, WithId);

        await AlternatingSequence.AssertEachObservationIsItsOwnAsync(observed.Reader, Pairs, wrongAnswers, v => v.RawTarget);
    }

    [Fact]
    public async Task An_OnCompleted_callback_that_runs_once_the_next_request_on_the_kept_connection_has_reached_the_app_sees_its_own_request()
    {
        var observed = Channel.CreateUnbounded<(HttpContextView Expected, HttpContextView Seen)>();
        var arrivals = Channel.CreateUnbounded<bool>();
        await using var app = await BridgeApp.StartAsync(web => MapAlternating(web, observed.Writer, arrivals));

        var wrongAnswers = await AlternatingSequence.SendOverKeptFastCgiConnectionAsync(app.EndPoint, HeldPairs, SequenceLimit, WithId);

        await AlternatingSequence.AssertEachObservationIsItsOwnAsync(observed.Reader, HeldPairs, wrongAnswers, v => v.RawTarget);
    }

    [Theory]
    [MemberData(nameof(FrontsAndEnds))]
    public async Task A_handler_still_running_after_its_answer_ended_reads_its_own_request_after_the_next_request_was_served(Front front, AnswerEnd end)
    {
        var answered = new TaskCompletionSource<HttpContextView>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var later = new TaskCompletionSource<HttpContextView>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await BridgeApp.StartAsync(web =>
        {
            web.MapGet("/hello", (HttpContext context) => HelloAsync(context));
            web.MapGet("/first/held", async (HttpContext context) =>
            {
                await EndAnswerAsync(context, end);
                answered.TrySetResult(HttpContextView.Of(context));
                await release.Task.WaitAsync(Wire.Timeout);
                later.TrySetResult(HttpContextView.Of(context));
            });
        });
        var first = WithId("/first/held?id=first-request");
        var second = WithId("/hello?id=second-request");

        using var socket = await app.ConnectAsync();
        var (firstResponse, secondResponse) = await HeldHandlerExchange.SendAsync(socket, app.EndPoint, front == Front.Uwsgi, first, second);

        var atAnswer = await answered.Task.WaitAsync(Wire.Timeout);
        release.TrySetResult();
        var afterNext = await later.Task.WaitAsync(Wire.Timeout);

        Assert.Equal("first", firstResponse.BodyText);
        Assert.Equal("hello world\n", secondResponse.BodyText);
        Assert.Equal(HttpContextView.Expected("GET", first.Uri, 200, atAnswer.ContentLength), atAnswer);
        Assert.Equal(atAnswer, afterNext);
    }

    private static TestRequest WithId(string target) => TestRequest.Get(target).WithHeader(HttpContextView.IdHeader, target);

    // A middleware registers an OnCompleted callback on every request that reports what it sees then, beside what the
    // request was. /delay/1 awaits, then answers ok\n (3 bytes); /hello answers at once (12 bytes). With
    // arrivals, each /delay request returns only once the /hello after it has reached the app.
    private static void MapAlternating(WebApplication web, ChannelWriter<(HttpContextView Expected, HttpContextView Seen)> observed, Channel<bool>? arrivals)
    {
        web.Use(async (context, next) =>
        {
            var target = HttpContextView.RequestUri(context);
            var awaiting = AlternatingSequence.IsAwaiting(target);
            var expected = HttpContextView.Expected("GET", target, 200, AlternatingSequence.BodyFor(target).Length);
            context.Response.OnCompleted(() =>
            {
                observed.TryWrite((expected, HttpContextView.Of(context)));
                return Task.CompletedTask;
            });
            if (!awaiting)
            {
                arrivals?.Writer.TryWrite(true);
            }

            await next(context);
            if (awaiting && arrivals is not null)
            {
                using var timeout = new CancellationTokenSource(Wire.Timeout);
                await arrivals.Reader.ReadAsync(timeout.Token);
            }
        });
        web.MapGet("/delay/{ms}", async (HttpContext context) =>
        {
            await Task.Delay(1, context.RequestAborted);
            context.Response.ContentLength = AlternatingSequence.AwaitingBody.Length;
            await context.Response.Body.WriteAsync(AlternatingSequence.AwaitingBody, context.RequestAborted);
        });
        web.MapGet("/hello", (HttpContext context) => HelloAsync(context));
    }

    private static async Task HelloAsync(HttpContext context)
    {
        context.Response.ContentLength = AlternatingSequence.SynchronousBody.Length;
        await context.Response.Body.WriteAsync(AlternatingSequence.SynchronousBody, context.RequestAborted);
    }

    private static async Task EndAnswerAsync(HttpContext context, AnswerEnd end)
    {
        var body = "first"u8.ToArray();
        if (end == AnswerEnd.ContentLengthReached)
        {
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
            return;
        }

        body.CopyTo(context.Response.BodyWriter.GetSpan(body.Length)); // not flushed: CompleteAsync sends it with its length
        context.Response.BodyWriter.Advance(body.Length);
        await context.Response.CompleteAsync();
    }
}
