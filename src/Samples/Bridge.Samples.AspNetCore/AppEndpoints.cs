using Bridge.Samples;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace Bridge.Samples.AspNetCore;

/// <summary>
/// Beyond Echo: what ordinary apps lean on (JSON binding, cookies, an exception handler page, Results.Stream,
/// compression, request size limits, response callbacks), each under a path that does not clash with Echo.
/// </summary>
internal static class AppEndpoints
{
    private const int StreamPiece = 16 * 1024;
    private const int StreamPieces = 4; // 64 KiB in all
    private const int BigLength = 200 * 1024;
    private const long LimitedBodySize = 1024;

    private static readonly byte[] StreamBytes = Pattern.ToArray(StreamPiece * StreamPieces);
    private static readonly string BigJson = BuildBigJson();
    private static int _lastOrderId;

    public static IEndpointRouteBuilder MapApp(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/orders", CreateOrder);
        endpoints.MapGetAndHead("/cookies/set", SetCookies);
        endpoints.MapGetAndHead("/cookies", (HttpRequest request) => Results.Json(request.Cookies.ToDictionary()));
        endpoints.MapGetAndHead("/app/fail", Fail);
        endpoints.Map("/error", Error).ExcludeFromDescription(); // UseExceptionHandler("/error") re-executes here
        endpoints.MapGetAndHead("/api/stream", () => Results.Stream(WriteStreamAsync, "application/octet-stream"));
        endpoints.MapGetAndHead("/api/big", () => Results.Text(BigJson, "application/json"));
        endpoints.MapGetAndHead("/api/aborts", () => Results.Json(new { aborts = RequestAborts.Count }));
        endpoints.MapPost("/api/limited", LimitedAsync).WithMetadata(new RequestSizeLimitAttribute(LimitedBodySize));
        endpoints.MapGetAndHead("/api/content-length-mismatch", ContentLengthMismatchAsync);
        endpoints.MapGetAndHead("/api/callbacks", CallbacksAsync);
        endpoints.MapGetAndHead("/api/callbacks/log", () => Results.Json(CallbackLog.Snapshot()));
        return endpoints;
    }

    // Binds the JSON body (400 when malformed, 415 when not JSON); 201 with a Location header.
    private static IResult CreateOrder(Order order)
    {
        if (string.IsNullOrWhiteSpace(order.Item) || order.Quantity <= 0)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]>
            {
                ["order"] = ["An order needs an item and a quantity of at least 1."],
            });
        }

        var id = Interlocked.Increment(ref _lastOrderId);
        return Results.Created($"/api/orders/{id}", new OrderCreated(id, order.Item, order.Quantity));
    }

    // One Set-Cookie per query pair: /cookies/set?theme=dark&lang=en.
    private static IResult SetCookies(HttpContext context)
    {
        foreach (var (name, value) in QueryPairs.Parse(context.Request.QueryString))
        {
            context.Response.Cookies.Append(name, value);
        }

        return Results.Text("ok\n", "text/plain");
    }

    private static IResult Fail() => throw new InvalidOperationException("/app/fail was asked to throw.");

    // The exception handler page for /app/*: a problem document; the exception's text stays in the log.
    private static IResult Error(HttpContext context)
    {
        var failure = context.Features.Get<IExceptionHandlerPathFeature>();
        return Results.Problem(
            title: "The request failed.",
            statusCode: StatusCodes.Status500InternalServerError,
            instance: failure?.Path);
    }

    // Through Response.Body as a Stream, in four flushed pieces and without a Content-Length.
    private static async Task WriteStreamAsync(Stream body)
    {
        for (var i = 0; i < StreamPieces; i++)
        {
            await body.WriteAsync(StreamBytes.AsMemory(i * StreamPiece, StreamPiece)).ConfigureAwait(false);
            await body.FlushAsync().ConfigureAwait(false);
        }
    }

    // The endpoint's RequestSizeLimit metadata sets IHttpMaxRequestBodySizeFeature before the handler runs;
    // reading past it throws BadHttpRequestException (413), answered here as a real app would.
    private static async Task<IResult> LimitedAsync(HttpContext context, CancellationToken cancellationToken)
    {
        try
        {
            var (length, sha) = await BodyDigest.ReadAsync(context.Request.BodyReader, cancellationToken).ConfigureAwait(false);
            return Results.Json(new { bodyLength = length, bodySha256 = sha, limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize });
        }
        catch (BadHttpRequestException e)
        {
            return Results.StatusCode(e.StatusCode);
        }
    }

    // Promises 10 bytes and writes 5: the server must treat it as an error (Kestrel aborts the response),
    // never end it as a silently short body.
    private static async Task ContentLengthMismatchAsync(HttpContext context)
    {
        context.Response.ContentType = "text/plain";
        context.Response.ContentLength = 10;
        await context.Response.Body.WriteAsync("12345"u8.ToArray(), context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task CallbacksAsync(HttpContext context)
    {
        CallbackLog.Clear();
        var response = context.Response;
        response.OnStarting(() => Record("OnStarting 1"));
        response.OnStarting(() => Record("OnStarting 2"));
        response.OnCompleted(() => Record("OnCompleted 1"));
        response.OnCompleted(() => Record("OnCompleted 2"));
        CallbackLog.Add("handler");
        response.ContentType = "text/plain";
        await response.WriteAsync("ok\n", context.RequestAborted).ConfigureAwait(false);
        CallbackLog.Add("handler end");

        static Task Record(string entry)
        {
            CallbackLog.Add(entry);
            return Task.CompletedTask;
        }
    }

    private static string BuildBigJson()
    {
        var json = new StringBuilder("[", BigLength + 256);
        for (var i = 0; json.Length < BigLength; i++)
        {
            json.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? "" : ",")}{{\"id\":{i},\"name\":\"item {i}\",\"description\":\"Compressible sample text for item number {i}.\"}}");
        }

        return json.Append(']').ToString();
    }
}
