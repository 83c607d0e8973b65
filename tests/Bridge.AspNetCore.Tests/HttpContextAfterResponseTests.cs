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

    /// <summary>How the held handler ends its answer before going on working.</summary>
    public enum AnswerEnd
    {
        /// <summary>Content-Length 5, then 5 bytes.</summary>
        ContentLengthReached,

        /// <summary>5 bytes, not flushed, then <c>Response.CompleteAsync()</c>.</summary>
        CompleteAsync,
    }

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

        await AssertEachObservationIsItsOwnAsync(observed.Reader, Pairs, wrongAnswers);
    }

    [Fact]
    public async Task An_OnCompleted_callback_that_runs_once_the_next_request_on_the_kept_connection_has_reached_the_app_sees_its_own_request()
    {
        var observed = Channel.CreateUnbounded<(HttpContextView Expected, HttpContextView Seen)>();
        var arrivals = Channel.CreateUnbounded<bool>();
        await using var app = await BridgeApp.StartAsync(web => MapAlternating(web, observed.Writer, arrivals));

        var wrongAnswers = await AlternatingSequence.SendOverKeptFastCgiConnectionAsync(app.EndPoint, HeldPairs, SequenceLimit, WithId);

        await AssertEachObservationIsItsOwnAsync(observed.Reader, HeldPairs, wrongAnswers);
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
        await Wire.SendAsync(socket, front == Front.Uwsgi ? UwsgiWire.Encode(first) : FastCgiWire.Encode(first, requestId: 1, keepConnection: true));
        WireResponse firstResponse;
        WireResponse secondResponse;
        if (front == Front.Uwsgi)
        {
            firstResponse = WireResponse.ParseHttp(await Wire.ReadHttpResponseAsync(socket)); // the answer ended; the connection stays with the handler
            secondResponse = await app.SendAsync(Front.Uwsgi, second);
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

    private static async Task AssertEachObservationIsItsOwnAsync(ChannelReader<(HttpContextView Expected, HttpContextView Seen)> observed, int pairs, List<string> wrongAnswers)
    {
        var views = new List<(HttpContextView Expected, HttpContextView Seen)>();
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
