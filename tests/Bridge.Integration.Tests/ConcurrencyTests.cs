using System.Net;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;

namespace Bridge.Integration.Tests;

/// <summary>Many clients at once through nginx: every answer right, none lost.</summary>
[Collection(EchoBehindNginxDefinition.Name)]
public sealed class ConcurrencyTests(EchoBehindNginx stack)
{
    private const int Clients = 50;
    private const int RequestsPerClient = 20;

    [Theory]
    [MemberData(nameof(EchoApps.InEveryMode), MemberType = typeof(EchoApps))]
    public async Task Fifty_clients_send_twenty_requests_each_without_an_error(EchoApp app, FrontEndMode mode)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var done = await ConcurrentClients.RunAsync(Clients, RequestsPerClient, async (client, i) =>
        {
            if ((client + i) % 2 == 0)
            {
                using var hello = await stack.Client.GetAsync(stack.Url(app, mode, "/hello"), timeout.Token);
                Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
                Assert.Equal("hello world\n", await hello.Content.ReadAsStringAsync(timeout.Token));
            }
            else
            {
                await EchoAnswers.AssertEchoOfQueryAsync(stack.Client, stack.BaseAddress(app, mode), $"client={client}&request={i}", mode.Gateway(), timeout.Token);
            }
        }, timeout.Token);

        Assert.Equal(Clients * RequestsPerClient, done);
    }
}
