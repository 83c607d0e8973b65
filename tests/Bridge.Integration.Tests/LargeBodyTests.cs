using System.Net;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;

namespace Bridge.Integration.Tests;

/// <summary>Bodies far larger than any buffer on the way, checked by SHA-256; a chunked upload of unknown length.</summary>
[Collection(EchoBehindNginxDefinition.Name)]
public sealed class LargeBodyTests(EchoBehindNginx stack)
{
    private const int UploadLength = 20 * 1024 * 1024;
    private const long DownloadLength = 100L * 1024 * 1024;

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Theory]
    [MemberData(nameof(EchoApps.InEveryMode), MemberType = typeof(EchoApps))]
    public async Task A_20_MB_upload_arrives_whole(EchoApp app, FrontEndMode mode)
    {
        var body = RandomBytes(UploadLength, seed: 20);

        using var response = await stack.Client.PostAsync(stack.Url(app, mode, "/upload"), new ByteArrayContent(body), Timeout);

        await EchoAnswers.AssertUploadAsync(response, body, Timeout);
    }

    [Theory]
    [MemberData(nameof(EchoApps.InEveryMode), MemberType = typeof(EchoApps))]
    public async Task A_100_MB_download_arrives_whole_hashed_while_read(EchoApp app, FrontEndMode mode)
    {
        using var response = await stack.Client.GetAsync(stack.Url(app, mode, "/bytes/" + DownloadLength), HttpCompletionOption.ResponseHeadersRead, Timeout);

        await EchoAnswers.AssertLargeBytesAsync(response, DownloadLength, Timeout);
    }

    [Theory]
    [MemberData(nameof(EchoApps.InEveryMode), MemberType = typeof(EchoApps))]
    public async Task A_chunked_upload_of_unknown_length_arrives_whole(EchoApp app, FrontEndMode mode)
    {
        var body = RandomBytes(3 * 1024 * 1024 + 17, seed: 3);
        using var request = new HttpRequestMessage(HttpMethod.Post, stack.Url(app, mode, "/echo/chunked"))
        {
            Content = new StreamContent(new UnknownLengthStream(body)),
        };

        using var response = await stack.Client.SendAsync(request, Timeout);

        Assert.True(request.Headers.TransferEncodingChunked, "HttpClient should have sent the body chunked.");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = await EchoAnswers.ReadJsonAsync(response, Timeout);
        var echo = json.RootElement;
        Assert.Equal("chunked", echo.GetProperty("headers").GetProperty("transfer-encoding").GetString()); // nginx passes the header on
        Assert.Equal(body.Length, echo.GetProperty("contentLength").GetInt64()); // nginx buffered and de-chunked it
        EchoAnswers.AssertBody(echo, body);
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
