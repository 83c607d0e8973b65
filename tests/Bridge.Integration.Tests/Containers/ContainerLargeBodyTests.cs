using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;

namespace Bridge.Integration.Tests.Containers;

/// <summary>Bodies far larger than any buffer on the way (Docker's port proxy, nginx in its container, the bind-mounted socket), checked by SHA-256.</summary>
[Collection(EchoBehindContainerNginxDefinition.Name)]
public sealed class ContainerLargeBodyTests(EchoBehindContainerNginx stack)
{
    private const int UploadLength = 20 * 1024 * 1024;
    private const long DownloadLength = 100L * 1024 * 1024;

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    [Theory]
    [MemberData(nameof(ContainerModes.Both), MemberType = typeof(ContainerModes))]
    public async Task A_20_MB_upload_arrives_whole(FrontEndMode mode)
    {
        var body = new byte[UploadLength];
        new Random(20).NextBytes(body);

        using var response = await stack.Client.PostAsync(stack.Url(mode, "/upload"), new ByteArrayContent(body), Timeout);

        await EchoAnswers.AssertUploadAsync(response, body, Timeout);
    }

    [Theory]
    [MemberData(nameof(ContainerModes.Both), MemberType = typeof(ContainerModes))]
    public async Task A_100_MB_download_arrives_whole_hashed_while_read(FrontEndMode mode)
    {
        using var response = await stack.Client.GetAsync(stack.Url(mode, "/bytes/" + DownloadLength), HttpCompletionOption.ResponseHeadersRead, Timeout);

        await EchoAnswers.AssertLargeBytesAsync(response, DownloadLength, Timeout);
    }
}
