using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;

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

        var done = await ConcurrentClients.RunAsync(
            Clients,
            RequestsPerClient,
            (client, i) => EchoAnswers.AssertEchoOfQueryAsync(stack.Client, stack.BaseAddress(mode), $"client={client}&request={i}", mode.Gateway(), timeout.Token),
            timeout.Token);

        Assert.Equal(Clients * RequestsPerClient, done);
    }
}
