using Bridge.Hosting;
using Bridge.Server.Options;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;

namespace Bridge.AspNetCore;

/// <summary>Puts an ASP.NET Core app on Bridge.</summary>
public static class BridgeWebHostBuilderExtensions
{
    /// <summary>
    /// Replaces Kestrel with Bridge: the app is served to nginx over uwsgi (<c>uwsgi_pass</c>) or FastCGI
    /// (<c>fastcgi_pass</c>). Listeners and limits come from the <c>Bridge</c> configuration section and the short
    /// command-line options <c>--listen unix:/run/app.sock --protocol uwsgi --socket-group www-data</c>.
    /// </summary>
    public static IWebHostBuilder UseBridge(this IWebHostBuilder builder, Action<BridgeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.ConfigureServices(services =>
        {
            services.AddBridgeOptions(configure);
            services.AddSingleton<IServer, BridgeAspNetCoreServer>();
        });
    }
}
