using System.Net;
using System.Net.Sockets;
using Bridge.Testing.FrontEnd;

namespace Bridge.Testing.Isolation;

/// <summary>
/// The front end's side of the "handler still running after its answer ended" tests (issue 10): a request whose
/// handler answers and goes on working, then the next request, served while that handler still runs.
/// </summary>
public static class HeldHandlerExchange
{
    /// <summary>
    /// Sends <paramref name="first"/> on <paramref name="socket"/> (FastCGI: request id 1 with KEEP_CONN) and reads its
    /// answer; then sends <paramref name="second"/>: over FastCGI on the same connection with the same id, as nginx
    /// reuses it; over uwsgi, whose connection stays with the running handler, on a new connection to
    /// <paramref name="endPoint"/>. Returns both answers. The caller keeps <paramref name="socket"/> open as long as the
    /// handler runs.
    /// </summary>
    public static async Task<(WireResponse First, WireResponse Second)> SendAsync(Socket socket, EndPoint endPoint, bool uwsgi, TestRequest first, TestRequest second)
    {
        await Wire.SendAsync(socket, uwsgi ? UwsgiWire.Encode(first) : FastCgiWire.Encode(first, requestId: 1, keepConnection: true));
        if (uwsgi)
        {
            var firstResponse = WireResponse.ParseHttp(await Wire.ReadHttpResponseAsync(socket)); // the answer ended; the connection stays with the handler
            return (firstResponse, await UwsgiWire.SendAsync(endPoint, second));
        }

        var reader = new FastCgiReader(socket);
        var firstAnswer = (await reader.ReadUntilEndAsync(1)).Response(1);
        await Wire.SendAsync(socket, FastCgiWire.Encode(second, requestId: 1, keepConnection: true)); // the same id, as nginx reuses it
        return (firstAnswer, (await reader.ReadUntilEndAsync(1)).Response(1));
    }
}
