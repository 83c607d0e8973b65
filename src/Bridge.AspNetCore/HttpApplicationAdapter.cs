using Bridge.Server.Gateway;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;

namespace Bridge.AspNetCore;

/// <summary>
/// Runs an ASP.NET Core application for each gateway request: features over the gateway context, the app's
/// HttpContext from them, and DisposeContext once the response is over (after the OnCompleted callbacks), as Kestrel does.
/// <paramref name="stopping"/> is the host's ApplicationStopping: WebSockets an app aborts from then on say 1001 first.
/// </summary>
internal sealed class HttpApplicationAdapter<TContext>(IHttpApplication<TContext> application, long? maxRequestBodySize, CancellationToken stopping) : IGatewayApplication
    where TContext : notnull
{
    public async Task ProcessAsync(GatewayContext context)
    {
        if (context.AdapterState is not BridgeHttpFeatures<TContext> features)
        {
            context.AdapterState = features = new BridgeHttpFeatures<TContext>();
        }

        features.Initialize(context, maxRequestBodySize, stopping);
        var httpContext = application.CreateContext(features);

        // Registered before the app's own callbacks, so it runs after them: the HttpContext is released last.
        context.Response.OnCompleted(
            static state =>
            {
                var (app, features, httpContext) = ((IHttpApplication<TContext>, BridgeHttpFeatures<TContext>, TContext))state;
                app.DisposeContext(httpContext, features.Error);
                return Task.CompletedTask;
            },
            (application, features, httpContext));
        try
        {
            await application.ProcessRequestAsync(httpContext).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            // ASP.NET Core's refusal of a request ([RequestSizeLimit], a bad form...): Bridge answers its status if
            // the response has not started, and logs it as a client fault.
            features.Error = ex;
            throw new RequestRejectedException(ex.StatusCode, ex.Message, ex);
        }
        catch (Exception ex)
        {
            features.Error = ex;
            throw; // Bridge answers 500 if the response has not started
        }
    }
}
