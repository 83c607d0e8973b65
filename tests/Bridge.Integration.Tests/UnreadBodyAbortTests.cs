using System.Security.Cryptography;
using Bridge.Integration.Tests.Fixtures;

namespace Bridge.Integration.Tests;

/// <summary>
/// uwsgi: nginx's only abort signal is closing the connection. An app that never reads its request body (it
/// answers from the head, or waits for something else) must still see RequestAborted when nginx closes because its
/// client went away (issue 10). nginx (uwsgi_request_buffering on, the default) reads the whole body from the client
/// before it connects, then sends head and body; a body larger than the socket's buffers is still partly unsent
/// when the client leaves. Echo has no such route (a POST to /delay is 405 at once), so the app is hosted here.
/// </summary>
[Collection(IsolationBehindNginxDefinition.Name)]
public sealed class UnreadBodyAbortTests(IsolationBehindNginx stack)
{
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(1_000)]       // head and body in one send: all of it in Bridge's buffer at once
    [InlineData(4_000_000)]   // more than the socket holds: body bytes still waiting in the socket
    public async Task Nginx_closing_while_the_body_is_unread_fires_RequestAborted_over_uwsgi(int bodyLength)
    {
        var id = Guid.NewGuid().ToString("N");
        using var client = new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var body = RandomNumberGenerator.GetBytes(bodyLength);

        var post = client.PostAsync(new Uri(stack.BaseAddress("APP_UWSGI_PORT"), "/never-reads?" + id), new ByteArrayContent(body), giveUp.Token);
        var started = stack.NeverReadsStarted(id);
        var first = await Task.WhenAny(started, post, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(first == started, first == post ? $"The request ended before the app started: {post.Status}" : "The app did not start within 30 s.");

        await giveUp.CancelAsync(); // the client leaves: nginx closes its connection to Bridge
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => post);

        var aborted = stack.NeverReadsAborted(id);
        Assert.True(
            await Task.WhenAny(aborted, Task.Delay(Promptly)) == aborted,
            $"RequestAborted did not fire within {Promptly} of nginx closing the connection with {bodyLength} body bytes unread.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var next = await client.GetAsync(new Uri(stack.BaseAddress("APP_UWSGI_PORT"), "/hello"), timeout.Token);
        Assert.Equal("hello world\n", await next.Content.ReadAsStringAsync(timeout.Token));
    }
}
