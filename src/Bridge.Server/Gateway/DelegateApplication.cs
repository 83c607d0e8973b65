namespace Bridge.Server.Gateway;

/// <summary>Adapts a <see cref="GatewayRequestHandler"/> to <see cref="IGatewayApplication"/>.</summary>
public sealed class DelegateApplication(GatewayRequestHandler handler) : IGatewayApplication
{
    /// <inheritdoc />
    public Task ProcessAsync(GatewayContext context) => handler(context);
}
