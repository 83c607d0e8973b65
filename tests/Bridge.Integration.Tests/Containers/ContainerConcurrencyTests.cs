using System.Net;
using System.Text.Json;
using Bridge.Integration.Tests.Fixtures;

namespace Bridge.Integration.Tests.Containers;

/// <summary>Fifty clients at once through nginx in a container: every answer right, none lost.</summary>
[Collection(EchoBehindContainerNginxDefinition.Name)]
public sealed class ContainerConcurrencyTests(EchoBehindContainerNginx stack)
{
    private const int Clients = 50;
    private const int RequestsPerClient = 20;

    [Theory]
    [MemberData(nameof(ContainerModes.Both), MemberType = typeof(ContainerModes))]
    public async Task Fifty_clients_send_twenty_requests_each_without_an_error(FrontEndMode mode)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var gateway = mode == FrontEndMode.Uwsgi ? "uwsgi" : "fastcgi";

        async Task<int> ClientAsync(int client)
        {
            for (var i = 0; i < RequestsPerClient; i++)
            {
                var query = $"client={client}&request={i}";
                using var content = new StringContent(query);
                using var echo = await stack.Client.PostAsync(stack.Url(mode, "/echo?" + query), content, timeout.Token);
                Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
                using var json = JsonDocument.Parse(await echo.Content.ReadAsStringAsync(timeout.Token));
                Assert.Equal(query, json.RootElement.GetProperty("query").GetString());
                Assert.Equal(query.Length, json.RootElement.GetProperty("bodyLength").GetInt64());
                Assert.Equal(gateway, json.RootElement.GetProperty("gateway").GetString());
            }

            return RequestsPerClient;
        }

        var done = await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(() => ClientAsync(c)))).WaitAsync(timeout.Token);

        Assert.Equal(Clients * RequestsPerClient, done.Sum());
    }
}
