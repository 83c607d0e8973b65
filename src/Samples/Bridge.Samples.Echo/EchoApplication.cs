using Bridge.Samples;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Bridge.Server.Gateway;

namespace Bridge.Samples.Echo;

/// <summary>The Echo routes (README.md beside this file). HEAD is answered as GET; Bridge drops the body.</summary>
internal sealed class EchoApplication : IGatewayApplication
{
    private static readonly byte[] Hello = "hello world\n"u8.ToArray();
    private static readonly byte[] Ok = "ok\n"u8.ToArray();

    public Task ProcessAsync(GatewayContext context)
    {
        var request = context.Request;
        var path = request.PathBase + request.Path;
        var method = request.Method;
        var readOnly = method is "GET" or "HEAD";
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var route = segments.Length > 0 ? segments[0] : "";

        return route switch
        {
            "echo" => EchoAsync(context, path),
            "status" when segments.Length == 2 => StatusAsync(context, segments[1]),
            "upload" when method == "POST" && segments.Length == 1 => UploadAsync(context),
            _ when !readOnly => NotAllowedAsync(context),
            "hello" when segments.Length == 1 => HelloAsync(context),
            "bytes" when segments.Length == 2 => BytesAsync(context, segments[1]),
            "stream" when segments.Length == 3 => StreamAsync(context, segments[1], segments[2]),
            "delay" when segments.Length == 2 => DelayAsync(context, segments[1]),
            "headers" when segments.Length == 1 => HeadersAsync(context),
            "throw" when segments.Length == 1 => throw new InvalidOperationException("/throw was asked to throw."),
            "vars" when segments.Length == 1 => VarsAsync(context),
            "worker" when segments.Length == 1 => WorkerAsync(context),
            "ws" when segments.Length == 1 => WebSocketAsync(context),
            _ => NotFoundAsync(context),
        };
    }

    private static Task HelloAsync(GatewayContext context)
    {
        var response = context.Response;
        response.Headers.Add("Content-Type", "text/plain");
        response.ContentLength = Hello.Length;
        return response.Body.WriteAsync(Hello, context.RequestAborted).AsTask();
    }

    private static Task StatusAsync(GatewayContext context, string code)
    {
        if (!int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var status) || status is < 200 or > 599)
        {
            return NotFoundAsync(context);
        }

        context.Response.StatusCode = status;
        if (status is not 204 and not 304)
        {
            context.Response.ContentLength = 0;
        }

        return Task.CompletedTask;
    }

    private static async Task BytesAsync(GatewayContext context, string count)
    {
        if (!long.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > 1_000_000_000)
        {
            await NotFoundAsync(context).ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        response.Headers.Add("Content-Type", "application/octet-stream");
        response.ContentLength = length;
        await Pattern.WriteAsync(response.Body, 0, length, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task StreamAsync(GatewayContext context, string chunksText, string sizeText)
    {
        if (!int.TryParse(chunksText, NumberStyles.None, CultureInfo.InvariantCulture, out var chunks)
            || !int.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            await NotFoundAsync(context).ConfigureAwait(false);
            return;
        }

        var delayMs = QueryInt(context.Request.QueryString, "delayMs"); // optional pause between chunks (tests see chunks arrive early)
        var response = context.Response;
        response.Headers.Add("Content-Type", "application/octet-stream");
        response.Headers.Add("X-Accel-Buffering", "no"); // nginx passes each chunk on as it comes
        long offset = 0;
        for (var i = 0; i < chunks; i++)
        {
            if (i > 0 && delayMs > 0)
            {
                await Task.Delay(delayMs, context.RequestAborted).ConfigureAwait(false);
            }

            await Pattern.WriteAsync(response.Body, offset, size, context.RequestAborted).ConfigureAwait(false); // flushed
            offset += size;
        }
    }

    private static async Task DelayAsync(GatewayContext context, string msText)
    {
        if (!int.TryParse(msText, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            await NotFoundAsync(context).ConfigureAwait(false);
            return;
        }

        await Task.Delay(ms, context.RequestAborted).ConfigureAwait(false);
        await TextAsync(context, Ok).ConfigureAwait(false);
    }

    private static Task HeadersAsync(GatewayContext context)
    {
        foreach (var pair in context.Request.QueryString.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = WebUtility.UrlDecode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : WebUtility.UrlDecode(pair[(equals + 1)..]);
            context.Response.Headers.Add(name, value);
        }

        return TextAsync(context, Ok);
    }

    private static async Task EchoAsync(GatewayContext context, string path)
    {
        var (length, sha) = await ReadBodyAsync(context).ConfigureAwait(false);
        var request = context.Request;
        var response = context.Response;
        response.Headers.Add("Content-Type", "application/json");
        using var json = new Utf8JsonWriter(response.Body);
        json.WriteStartObject();
        json.WriteString("method", request.Method);
        json.WriteString("path", path);
        json.WriteString("rawTarget", request.RawTarget);
        json.WriteString("query", request.QueryString);
        json.WriteString("scheme", request.Scheme);
        json.WriteString("serverName", request.ServerName);
        WriteNumberOrNull(json, "serverPort", request.ServerPort);
        json.WriteString("remoteAddr", request.RemoteAddress);
        WriteNumberOrNull(json, "remotePort", request.RemotePort);
        json.WriteString("protocol", request.Protocol);
        json.WriteString("gateway", request.Gateway == GatewayProtocol.Uwsgi ? "uwsgi" : "fastcgi");
        json.WriteStartObject("headers");
        foreach (var (name, value) in JoinedHeaders(request))
        {
            json.WriteString(name, value);
        }

        json.WriteEndObject();
        WriteNumberOrNull(json, "contentLength", request.ContentLength);
        json.WriteNumber("bodyLength", length);
        json.WriteString("bodySha256", sha);
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task UploadAsync(GatewayContext context)
    {
        var (length, sha) = await ReadBodyAsync(context).ConfigureAwait(false);
        context.Response.Headers.Add("Content-Type", "application/json");
        using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteNumber("bodyLength", length);
        json.WriteString("bodySha256", sha);
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    // GET /ws: a WebSocket echo where nginx tunnels (uwsgi_pass); 400 otherwise (over FastCGI Bridge also logs
    // that the location needs uwsgi_pass). A handshake that is not a valid WebSocket one is a 400 from Bridge.
    private static async Task WebSocketAsync(GatewayContext context)
    {
        if (!context.IsUpgradableRequest)
        {
            context.Response.StatusCode = 400;
            await TextAsync(context, "not a websocket request\n"u8.ToArray()).ConfigureAwait(false);
            return;
        }

        using var webSocket = await context.AcceptWebSocketAsync().ConfigureAwait(false);
        await WebSocketEcho.RunAsync(webSocket, context.RequestAborted).ConfigureAwait(false);
    }

    // Which process answered: under `dotnet-bridge run`, the worker slot and generation the supervisor gave it.
    private static async Task WorkerAsync(GatewayContext context)
    {
        context.Response.Headers.Add("Content-Type", "application/json");
        using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteNumber("pid", Environment.ProcessId);
        WriteEnvironmentNumber(json, "worker", "BRIDGE_WORKER_ID");
        WriteEnvironmentNumber(json, "generation", "BRIDGE_WORKER_GENERATION");
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static void WriteEnvironmentNumber(Utf8JsonWriter json, string name, string variable)
    {
        var text = Environment.GetEnvironmentVariable(variable);
        if (text is null)
        {
            json.WriteNull(name);
        }
        else if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteString(name, text);
        }
    }

    private static async Task VarsAsync(GatewayContext context)
    {
        var variables = context.Request.Variables;
        var grouped = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var i = 0; i < variables.Count; i++)
        {
            var name = variables.GetNameString(i);
            if (!grouped.TryGetValue(name, out var values))
            {
                grouped[name] = values = [];
                order.Add(name);
            }

            values.Add(variables.GetValueString(i));
        }

        context.Response.Headers.Add("Content-Type", "application/json");
        using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        foreach (var name in order)
        {
            var values = grouped[name];
            if (values.Count == 1)
            {
                json.WriteString(name, values[0]);
                continue;
            }

            json.WriteStartArray(name);
            foreach (var value in values)
            {
                json.WriteStringValue(value);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static Task NotFoundAsync(GatewayContext context)
    {
        context.Response.StatusCode = 404;
        return TextAsync(context, "not found\n"u8.ToArray());
    }

    private static Task NotAllowedAsync(GatewayContext context)
    {
        context.Response.StatusCode = 405;
        context.Response.Headers.Add("Allow", "GET, HEAD");
        return TextAsync(context, "method not allowed\n"u8.ToArray());
    }

    private static Task TextAsync(GatewayContext context, byte[] body)
    {
        context.Response.Headers.Add("Content-Type", "text/plain");
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    private static async Task<(long Length, string Sha256)> ReadBodyAsync(GatewayContext context)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        var body = context.Request.Body;
        while (true)
        {
            var result = await body.ReadAsync(context.RequestAborted).ConfigureAwait(false);
            foreach (var segment in result.Buffer)
            {
                hash.AppendData(segment.Span);
                length += segment.Length;
            }

            body.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        return (length, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    // Lower-case names; repeated headers joined with ", " (nginx 1.22 sends each line as its own variable).
    private static List<(string Name, string Value)> JoinedHeaders(GatewayRequest request)
    {
        var headers = new List<(string Name, string Value)>();
        foreach (var index in request.Headers)
        {
            var name = request.GetHeaderName(index).ToLowerInvariant();
            var value = request.GetHeaderValue(index);
            var existing = headers.FindIndex(h => h.Name == name);
            if (existing >= 0)
            {
                headers[existing] = (name, headers[existing].Value + ", " + value);
            }
            else
            {
                headers.Add((name, value));
            }
        }

        return headers;
    }

    private static int QueryInt(string query, string name)
    {
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && pair.AsSpan(0, equals).SequenceEqual(name)
                && int.TryParse(pair.AsSpan(equals + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
        }

        return 0;
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
