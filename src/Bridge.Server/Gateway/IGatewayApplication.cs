namespace Bridge.Server.Gateway;

/// <summary>
/// An application hosted on Bridge: called once per request with a context holding the request, the response
/// and the abort token. The request is complete when the returned task completes.
/// </summary>
public interface IGatewayApplication
{
    /// <summary>Handles one request.</summary>
    Task ProcessAsync(GatewayContext context);
}

/// <summary>An application as a delegate.</summary>
public delegate Task GatewayRequestHandler(GatewayContext context);
