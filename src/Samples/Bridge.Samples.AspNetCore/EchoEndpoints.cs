using Bridge.Samples;
using System.Globalization;
using System.Text;
using Bridge.AspNetCore;
using Bridge.Server.Gateway;
using Microsoft.AspNetCore.Http.Features;

namespace Bridge.Samples.AspNetCore;

/// <summary>
/// The Echo routes of ../Bridge.Samples.Echo/README.md, answered like the native Echo (Bridge.Samples.Echo). A route value that
/// is not a number in range leaves a bare 404, which the status code page in Program.cs turns into "not found\n".
/// </summary>
internal static class EchoEndpoints
{
    private const long MaxBytes = 1_000_000_000;
    private const string Json = "application/json"; // Results.Json would add "; charset=utf-8"; the native Echo does not
    private const string Text = "text/plain";

    public static IEndpointRouteBuilder MapEcho(this IEndpointRouteBuilder endpoints)
    {
        endpoints.Map("/echo/{**rest}", EchoAsync); // any method; {**rest} also matches /echo itself
        endpoints.Map("/status/{code}", Status);
        endpoints.MapPost("/upload", UploadAsync);
        endpoints.MapGetAndHead("/hello", () => Results.Text("hello world\n", Text));
        endpoints.MapGetAndHead("/bytes/{n}", BytesAsync);
        endpoints.MapGetAndHead("/stream/{chunks}/{size}", StreamAsync);
        endpoints.MapGetAndHead("/delay/{ms}", DelayAsync);
        endpoints.MapGetAndHead("/headers", Headers);
        endpoints.MapGetAndHead("/throw", Throw);
        endpoints.MapGetAndHead("/vars", Vars);
        return endpoints;
    }

    // The CancellationToken parameter binds to HttpContext.RequestAborted.
    private static async Task<IResult> EchoAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var (length, sha) = await BodyDigest.ReadAsync(context.Request.BodyReader, cancellationToken).ConfigureAwait(false);
        var request = context.Request;
        var gateway = context.Features.Get<IGatewayVariablesFeature>();
        return Results.Json(
            new
            {
                method = request.Method,
                path = (request.PathBase + request.Path).Value, // .Value is decoded; ToString() would re-escape
                rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget,
                query = request.QueryString.HasValue ? request.QueryString.Value![1..] : "",
                scheme = request.Scheme,
                serverName = gateway is null ? request.Host.Host : Encoding.Latin1.GetString(gateway.Variables.ServerName),
                serverPort = context.Connection.LocalPort, // IHttpConnectionFeature.LocalPort
                remoteAddr = context.Connection.RemoteIpAddress?.ToString(),
                remotePort = context.Connection.RemotePort,
                protocol = request.Protocol,
                gateway = gateway?.Gateway switch
                {
                    GatewayProtocol.Uwsgi => "uwsgi",
                    GatewayProtocol.FastCgi => "fastcgi",
                    _ => "http", // Kestrel, for parity runs
                },
                headers = JoinedHeaders(request.Headers),
                contentLength = request.ContentLength,
                bodyLength = length,
                bodySha256 = sha,
            },
            contentType: Json);
    }

    private static async Task<IResult> UploadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (length, sha) = await BodyDigest.ReadAsync(request.BodyReader, cancellationToken).ConfigureAwait(false);
        return Results.Json(new { bodyLength = length, bodySha256 = sha }, contentType: Json);
    }

    private static void Status(HttpResponse response, string code)
    {
        if (!int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var status) || status is < 200 or > 599)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        response.StatusCode = status;
        if (status is not StatusCodes.Status204NoContent and not StatusCodes.Status304NotModified)
        {
            response.ContentLength = 0; // also keeps the status code page off a deliberate /status/404
        }
    }

    private static async Task BytesAsync(HttpContext context, string n)
    {
        var response = context.Response;
        if (!long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > MaxBytes)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        response.ContentType = "application/octet-stream";
        response.ContentLength = length;
        if (!HttpMethods.IsHead(context.Request.Method)) // a HEAD answer has no body: do not generate one
        {
            await Pattern.WriteAsync(response.BodyWriter, 0, length, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static async Task StreamAsync(HttpContext context, string chunks, string size)
    {
        var response = context.Response;
        if (!int.TryParse(chunks, NumberStyles.None, CultureInfo.InvariantCulture, out var chunkCount)
            || !int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var chunkSize))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        // Optional pause before every chunk after the first, so tests see chunks arrive early. Not bound as an
        // int? parameter: the native Echo ignores a malformed value where binding would answer 400.
        _ = int.TryParse(context.Request.Query["delayMs"].FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var delayMs);
        response.ContentType = "application/octet-stream";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx passes each chunk on as it comes
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        long offset = 0;
        for (var i = 0; i < chunkCount; i++)
        {
            if (i > 0 && delayMs > 0)
            {
                await Task.Delay(delayMs, context.RequestAborted).ConfigureAwait(false);
            }

            await Pattern.WriteAsync(response.BodyWriter, offset, chunkSize, context.RequestAborted).ConfigureAwait(false); // flushed
            offset += chunkSize;
        }
    }

    private static async Task<IResult> DelayAsync(HttpContext context, string ms)
    {
        if (!int.TryParse(ms, NumberStyles.None, CultureInfo.InvariantCulture, out var delay))
        {
            return Results.NotFound();
        }

        try
        {
            await Task.Delay(delay, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            RequestAborts.Increment(); // nobody is listening any more: count it and end quietly
            return Results.Empty;
        }

        return Results.Text("ok\n", Text);
    }

    private static IResult Headers(HttpContext context)
    {
        foreach (var (name, value) in QueryPairs.Parse(context.Request.QueryString))
        {
            context.Response.Headers.Append(name, value);
        }

        return Results.Text("ok\n", Text);
    }

    private static IResult Throw() => throw new InvalidOperationException("/throw was asked to throw.");

    private static IResult Vars(HttpContext context)
    {
        // Name to value; a name that arrived twice maps to its values in order. Dictionary keeps insertion order
        // (nothing is removed), and replacing a value keeps its place. No feature on Kestrel: an empty object.
        var vars = new Dictionary<string, object>(StringComparer.Ordinal);
        if (context.Features.Get<IGatewayVariablesFeature>()?.Variables is { } variables)
        {
            for (var i = 0; i < variables.Count; i++)
            {
                var name = variables.GetNameString(i);
                var value = variables.GetValueString(i);
                if (!vars.TryGetValue(name, out var existing))
                {
                    vars[name] = value;
                }
                else if (existing is List<string> values)
                {
                    values.Add(value);
                }
                else
                {
                    vars[name] = new List<string> { (string)existing, value };
                }
            }
        }

        return Results.Json(vars, contentType: Json);
    }

    // Lower-case names; a header with several values (lines) joined with ", ".
    private static Dictionary<string, string> JoinedHeaders(IHeaderDictionary headers)
    {
        var joined = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in headers)
        {
            var key = name.ToLowerInvariant();
            var value = string.Join(", ", values.ToArray());
            joined[key] = joined.TryGetValue(key, out var existing) ? existing + ", " + value : value;
        }

        return joined;
    }
}
