using System.Net;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// The HttpClient a fixture talks to its front end with over loopback: no cookies, no redirects, no decompression,
/// so every header is seen as sent.
/// </summary>
internal static class FrontEndClient
{
    /// <param name="timeout">The bound on one request.</param>
    /// <param name="pooledConnectionIdleTimeout">How long an idle connection stays in the pool.</param>
    /// <param name="maxConnectionsPerServer">At most this many connections to one server at a time (default: no bound).</param>
    /// <param name="connectionClose">Send <c>Connection: close</c>: a new connection per request.</param>
    /// <param name="wrap">A handler to put in front of the sockets handler, if any.</param>
    public static HttpClient Create(TimeSpan timeout, TimeSpan pooledConnectionIdleTimeout, int maxConnectionsPerServer = int.MaxValue, bool connectionClose = false, Func<HttpMessageHandler, HttpMessageHandler>? wrap = null)
    {
        HttpMessageHandler handler = new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = maxConnectionsPerServer,
            PooledConnectionIdleTimeout = pooledConnectionIdleTimeout,
        };
        var client = new HttpClient(wrap is null ? handler : wrap(handler))
        {
            Timeout = timeout,
        };
        if (connectionClose)
        {
            client.DefaultRequestHeaders.ConnectionClose = true;
        }

        return client;
    }
}
