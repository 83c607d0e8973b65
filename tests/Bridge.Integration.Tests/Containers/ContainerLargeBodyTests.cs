using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
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

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Timeout));
        Assert.Equal(UploadLength, json.RootElement.GetProperty("bodyLength").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), json.RootElement.GetProperty("bodySha256").GetString());
    }

    [Theory]
    [MemberData(nameof(ContainerModes.Both), MemberType = typeof(ContainerModes))]
    public async Task A_100_MB_download_arrives_whole_hashed_while_read(FrontEndMode mode)
    {
        using var response = await stack.Client.GetAsync(stack.Url(mode, "/bytes/" + DownloadLength), HttpCompletionOption.ResponseHeadersRead, Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(DownloadLength, response.Content.Headers.ContentLength);
        await using var stream = await response.Content.ReadAsStreamAsync(Timeout);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long received = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, Timeout)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            received += read;
        }

        Assert.Equal(DownloadLength, received);
        Assert.Equal(EchoPattern.Sha256(DownloadLength), Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
