using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;

namespace Bridge.Integration.Tests;

/// <summary>
/// The ASP.NET Core sample behind one nginx twice: on Bridge (uwsgi_pass; fastcgi_pass with keep_conn) and on
/// Kestrel (proxy_pass over HTTP/1.1 with an upstream keepalive, as .NET apps are served today). The same request to
/// both gets the same status, headers and body bytes, but for the intended differences encoded here, each named:
/// <list type="bullet">
/// <item>Header order: compared sorted by name (see <see cref="ResponseSnapshot"/>).</item>
/// <item>413's reason phrase: Bridge sends RFC 9110's "Content Too Large", Kestrel the older "Payload Too Large".</item>
/// <item>/echo: the fields that describe the connection rather than the request (<see cref="ConnectionFields"/>) and
/// the headers proxy_params adds (<see cref="ProxyHeaders"/>) are removed before comparing.</item>
/// <item>/api/orders: the order id counts per process, so it is replaced by 0 before comparing.</item>
/// </list>
/// </summary>
[Collection(EchoBehindNginxDefinition.Name)]
public sealed partial class KestrelParityTests(EchoBehindNginx stack)
{
    private const EchoApp App = EchoApp.AspNetCore;

    /// <summary>
    /// /echo fields that must differ. gateway: "uwsgi"/"fastcgi" against "http". serverPort, remoteAddr, remotePort:
    /// Bridge has nginx's SERVER_PORT, REMOTE_ADDR and REMOTE_PORT; Kestrel, on a Unix socket, has 0, null and 0.
    /// serverName: on Bridge the sample reports SERVER_NAME (nginx's server_name, empty here), on Kestrel the Host.
    /// </summary>
    private static readonly string[] ConnectionFields = ["gateway", "serverName", "serverPort", "remoteAddr", "remotePort"];

    /// <summary>Request headers only Kestrel gets: proxy_params adds them; uwsgi_params and fastcgi_params pass the address as variables.</summary>
    private static readonly string[] ProxyHeaders = ["x-real-ip", "x-forwarded-for", "x-forwarded-proto"];

    private static readonly Dictionary<string, ParityRequest> Requests = new(StringComparer.Ordinal)
    {
        ["GET /hello"] = new(HttpMethod.Get, "/hello"),
        ["HEAD /hello"] = new(HttpMethod.Head, "/hello"),
        ["GET /status/204"] = new(HttpMethod.Get, "/status/204"),
        ["GET /status/404"] = new(HttpMethod.Get, "/status/404"),
        ["GET /status/503"] = new(HttpMethod.Get, "/status/503"),
        ["GET /bytes/70000"] = new(HttpMethod.Get, "/bytes/70000"),
        ["GET /headers with two Set-Cookie"] = new(HttpMethod.Get, "/headers?a=1&Set-Cookie=x&Set-Cookie=y"),
        ["GET /throw"] = new(HttpMethod.Get, "/throw"),
        ["GET /index.html"] = new(HttpMethod.Get, "/index.html"),
        ["GET /data.bin"] = new(HttpMethod.Get, "/data.bin"),
        ["GET /data.bin with Range"] = new(HttpMethod.Get, "/data.bin", Setup: r => r.Headers.Range = new RangeHeaderValue(100, 199)),
        ["GET /data.bin with If-None-Match"] = new(HttpMethod.Get, "/data.bin", SendETag: true),
        ["POST /api/orders"] = new(HttpMethod.Post, "/api/orders", Setup: r => r.Content = new StringContent("""{"item":"book","quantity":2}""", Encoding.UTF8, "application/json"), Normalise: WithoutOrderId),
        ["GET /cookies/set"] = new(HttpMethod.Get, "/cookies/set?name=v"),
        ["GET /api/big"] = new(HttpMethod.Get, "/api/big"),
        ["GET /api/big with gzip"] = new(HttpMethod.Get, "/api/big", Setup: r => r.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"))),
        ["GET /app/fail"] = new(HttpMethod.Get, "/app/fail"),
        ["GET /nope"] = new(HttpMethod.Get, "/nope"),
        ["GET /api/stream"] = new(HttpMethod.Get, "/api/stream"),
        ["POST /api/limited with 2 KiB"] = new(HttpMethod.Post, "/api/limited", Setup: r => r.Content = new ByteArrayContent(new byte[2048])),
        ["POST /echo"] = new(HttpMethod.Post, "/echo/a%20b?x=1&y=%20z", Setup: EchoRequest, Normalise: WithoutConnectionFields),
    };

    public static TheoryData<FrontEndMode, string> Cases
    {
        get
        {
            var data = new TheoryData<FrontEndMode, string>();
            foreach (var mode in new[] { FrontEndMode.Uwsgi, FrontEndMode.FastCgiKeepAlive })
            {
                foreach (var name in Requests.Keys)
                {
                    data.Add(mode, name);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bridge_answers_as_kestrel_does(FrontEndMode mode, string request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var parity = Requests[request];

        var kestrel = await CaptureAsync(stack.Nginx.BaseAddress(EchoBehindNginx.KestrelPort), parity, timeout.Token);
        var bridge = await CaptureAsync(stack.BaseAddress(App, mode), parity, timeout.Token);

        Assert.Equal(kestrel.Status, bridge.Status);
        if (kestrel.Status == 413)
        {
            Assert.Equal("Payload Too Large", kestrel.Reason);
            Assert.Equal("Content Too Large", bridge.Reason);
        }
        else
        {
            Assert.Equal(kestrel.Reason, bridge.Reason);
        }

        Assert.Equal(kestrel.Headers, bridge.Headers);
        Assert.Equal(Encoding.UTF8.GetString(kestrel.Body), Encoding.UTF8.GetString(bridge.Body)); // readable when it differs
        Assert.Equal(kestrel.Body, bridge.Body);
    }

    private async Task<ResponseSnapshot> CaptureAsync(Uri baseAddress, ParityRequest parity, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(parity.Method, new Uri(baseAddress, parity.PathAndQuery));
        parity.Setup?.Invoke(request);
        if (parity.SendETag)
        {
            using var first = await stack.Client.GetAsync(request.RequestUri, cancellationToken);
            request.Headers.IfNoneMatch.Add(first.Headers.ETag ?? throw new InvalidOperationException($"{request.RequestUri} came without an ETag."));
        }

        var snapshot = await ResponseSnapshot.CaptureAsync(stack.Client, request, cancellationToken);
        return parity.Normalise?.Invoke(snapshot) ?? snapshot;
    }

    private static void EchoRequest(HttpRequestMessage request)
    {
        request.Content = new ByteArrayContent("hello world"u8.ToArray());
        request.Headers.Add("X-Test", "Value One");
    }

    private static ResponseSnapshot WithoutConnectionFields(ResponseSnapshot response)
    {
        var echo = JsonNode.Parse(response.Body)!.AsObject();
        foreach (var field in ConnectionFields)
        {
            Assert.True(echo.Remove(field), $"/echo has no {field}.");
        }

        var headers = echo["headers"]!.AsObject();
        foreach (var header in ProxyHeaders)
        {
            headers.Remove(header);
        }

        return response.WithBody(Encoding.UTF8.GetBytes(Sorted(echo)!.ToJsonString()));
    }

    // JSON objects compare by their members, not their order (the request headers come in each server's own order).
    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };

    private static ResponseSnapshot WithoutOrderId(ResponseSnapshot response)
    {
        var body = OrderId().Replace(Encoding.UTF8.GetString(response.Body), "\"id\":0");
        return response.WithBody(Encoding.UTF8.GetBytes(body)).WithHeader("Location", OrderLocation().Replace(response.Header("Location") ?? "", "/api/orders/0"));
    }

    [GeneratedRegex("\"id\":[0-9]+")]
    private static partial Regex OrderId();

    [GeneratedRegex("^/api/orders/[0-9]+$")]
    private static partial Regex OrderLocation();

    private sealed record ParityRequest(
        HttpMethod Method,
        string PathAndQuery,
        Action<HttpRequestMessage>? Setup = null,
        Func<ResponseSnapshot, ResponseSnapshot>? Normalise = null,
        bool SendETag = false);
}
