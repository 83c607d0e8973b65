using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Bridge.AspNetCore.Tests.Infrastructure;

/// <summary>
/// What an ASP.NET Core app sees of its request and response at one moment: HttpContext.Request (method, path,
/// query, a header, the raw target), the gateway variables (<see cref="IGatewayVariablesFeature"/>), the status and
/// Content-Length. A read that throws is recorded as a view that matches nothing.
/// </summary>
internal sealed record HttpContextView(string Method, string Path, string QueryString, string RawTarget, string? RequestId, string UriVariable, string QueryVariable, int StatusCode, long? ContentLength)
{
    /// <summary>The request header that carries each request's own id.</summary>
    public const string IdHeader = "X-Request-Id";

    /// <summary>The request as the test sent it (its id header is its target), and the response the app gave it.</summary>
    public static HttpContextView Expected(string method, string target, int statusCode, long? contentLength)
    {
        var query = target.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? target : target[..query];
        var queryString = query < 0 ? "" : target[query..];
        return new HttpContextView(method, path, queryString, target, target, target, query < 0 ? "" : target[(query + 1)..], statusCode, contentLength);
    }

    /// <summary>Reads everything now; never throws.</summary>
    public static HttpContextView Of(HttpContext context)
    {
        try
        {
            var request = context.Request;
            var variables = context.Features.GetRequiredFeature<IGatewayVariablesFeature>().Variables;
            return new HttpContextView(
                request.Method,
                request.Path.Value ?? "",
                request.QueryString.Value ?? "",
                context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget,
                request.Headers[IdHeader].ToString(),
                Variable(variables, "REQUEST_URI"u8),
                Variable(variables, "QUERY_STRING"u8),
                context.Response.StatusCode,
                context.Response.ContentLength);
        }
        catch (Exception ex)
        {
            return new HttpContextView("threw " + ex.GetType().Name + ": " + ex.Message, "", "", "", null, "", "", 0, null);
        }
    }

    /// <summary>REQUEST_URI as the gateway variables hold it now.</summary>
    public static string RequestUri(HttpContext context)
        => Variable(context.Features.GetRequiredFeature<IGatewayVariablesFeature>().Variables, "REQUEST_URI"u8);

    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{Method} {Path}{QueryString} (raw target {RawTarget}, {IdHeader} {RequestId}, REQUEST_URI {UriVariable}, QUERY_STRING {QueryVariable}) -> {StatusCode}, Content-Length {ContentLength}");

    private static string Variable(Protocol.Gateway.GatewayVariables variables, ReadOnlySpan<byte> name)
        => variables.TryGetValue(name, out var value) ? Encoding.Latin1.GetString(value) : "(absent)";
}
