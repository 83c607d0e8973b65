using Bridge.Server.Gateway;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>The response buffer that holds what the app writes before a flush, as it grows.</summary>
public sealed class ResponseBufferTests
{
    public static TheoryData<GatewayProtocol> Gateways => [GatewayProtocol.Uwsgi, GatewayProtocol.FastCgi];

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task A_body_written_in_pieces_past_the_first_buffer_arrives_whole_without_a_flush(GatewayProtocol gateway)
    {
        var expected = new byte[200_000];
        for (var i = 0; i < expected.Length; i++)
        {
            expected[i] = (byte)(i % 251);
        }

        await using var server = await TestServer.StartAsync(new DelegateApplication(context =>
        {
            var body = context.Response.Body;
            for (var offset = 0; offset < expected.Length; offset += 3000) // each piece makes the buffer grow again
            {
                var piece = expected.AsSpan(offset, Math.Min(3000, expected.Length - offset));
                piece.CopyTo(body.GetSpan(piece.Length));
                body.Advance(piece.Length);
            }

            return Task.CompletedTask;
        }));

        var response = await server.GetAsync(gateway, "/");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("200000", response.Header("Content-Length"));
        Assert.Equal(expected, response.Body);
    }
}
