using Bridge.Hosting;
using Bridge.Samples.Echo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Echo: the sample app whose routes README.md (beside this file) fixes. Options: --listen unix:PATH|tcp:HOST:PORT,
// --protocol uwsgi|fastcgi|auto, --socket-mode MODE (default 0660), --socket-group GROUP, --access-log on|off,
// and any Bridge key as --Bridge:Limits:RequestTimeout=00:00:10. Logs go to stderr.
var (bridgeArgs, rest) = BridgeCommandLine.Parse(args);
var builder = Host.CreateApplicationBuilder(rest);
builder.Configuration.AddInMemoryCollection(bridgeArgs);
builder.Logging.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(35));
builder.Services.AddBridge<EchoApplication>();
using var host = builder.Build();
await host.RunAsync();
return 0;
