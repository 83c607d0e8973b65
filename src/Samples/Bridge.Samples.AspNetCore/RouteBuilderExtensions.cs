namespace Bridge.Samples.AspNetCore;

/// <summary>Routing helpers shared by the endpoint groups.</summary>
internal static class RouteBuilderExtensions
{
    private static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    // MapGet matches GET only; the Echo contract wants HEAD on every GET route (same status and headers, no body).
    public static RouteHandlerBuilder MapGetAndHead(this IEndpointRouteBuilder endpoints, string pattern, Delegate handler)
        => endpoints.MapMethods(pattern, GetAndHead, handler);
}
