using System.Globalization;
using System.Text;
using Bridge.Server.Gateway;

namespace Bridge.Server.Tests.Infrastructure;

/// <summary>
/// What an app sees of its request and response at one moment, read through the public gateway API: the typed
/// properties, the raw variables and a header, the status and Content-Length. Reading a request whose state has
/// been reused may throw: that is recorded too, as a view that matches nothing.
/// </summary>
internal sealed record RequestView(string Method, string RawTarget, string Path, string QueryString, string UriVariable, string QueryVariable, string? RequestId, int StatusCode, long? ContentLength)
{
    /// <summary>The request header that carries each request's own id.</summary>
    public const string IdHeader = "X-Request-Id";

    /// <summary>The request as the test sent it, and the response the app gave it.</summary>
    public static RequestView Expected(string method, string target, int statusCode, long? contentLength)
    {
        var query = target.IndexOf('?', StringComparison.Ordinal);
        return new RequestView(method, target, query < 0 ? target : target[..query], query < 0 ? "" : target[(query + 1)..], target, query < 0 ? "" : target[(query + 1)..], target, statusCode, contentLength);
    }

    /// <summary>Reads everything now; never throws.</summary>
    public static RequestView Of(GatewayContext context)
    {
        try
        {
            var request = context.Request;
            var variables = request.Variables;
            return new RequestView(
                request.Method,
                request.RawTarget,
                request.Path,
                request.QueryString,
                Variable(variables, "REQUEST_URI"u8),
                Variable(variables, "QUERY_STRING"u8),
                request.GetHeader(IdHeader),
                context.Response.StatusCode,
                context.Response.ContentLength);
        }
        catch (Exception ex)
        {
            return new RequestView("threw " + ex.GetType().Name + ": " + ex.Message, "", "", "", "", "", null, 0, null);
        }
    }

    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{Method} {RawTarget} (path {Path}, query {QueryString}, REQUEST_URI {UriVariable}, QUERY_STRING {QueryVariable}, {IdHeader} {RequestId}) -> {StatusCode}, Content-Length {ContentLength}");

    private static string Variable(Protocol.Gateway.GatewayVariables variables, ReadOnlySpan<byte> name)
        => variables.TryGetValue(name, out var value) ? Encoding.Latin1.GetString(value) : "(absent)";
}
