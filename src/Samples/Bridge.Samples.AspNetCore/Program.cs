using Bridge.AspNetCore;
using Bridge.Samples.AspNetCore;
using Microsoft.AspNetCore.Diagnostics;

// The Echo app (its routes: ../Bridge.Samples.Echo/README.md) written as an ordinary ASP.NET Core minimal-API app, plus a little more of
// what real apps do. On Bridge by default: --listen unix:PATH|tcp:HOST:PORT, --protocol uwsgi|fastcgi|auto,
// --socket-mode 0660, --socket-group GROUP, --access-log on|off, or any key of the "Bridge" section
// (--Bridge:Limits:RequestTimeout=00:00:10). With --server kestrel it runs on Kestrel instead, listening where
// --urls says (http://127.0.0.1:5000, http://unix:/tmp/x.sock), for parity tests. Logs go to stderr.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory, // wwwroot/ and appsettings.json are copied beside the assembly
});
if (builder.Configuration["server"] != "kestrel")
{
    builder.WebHost.UseBridge();
}

builder.Logging.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(35));
builder.Services.AddResponseCompression();
builder.Services.AddSignalR();

var app = builder.Build();

// 404 and 405 from routing have no body; give them the native Echo's text. Answers that set a Content-Length
// or Content-Type (a deliberate /status/404) are left alone by the middleware.
app.UseStatusCodePages(WriteStatusTextAsync);

// The exception handler page covers /app/* only, so GET /throw still reaches the server unhandled (500 from it).
app.UseWhen(context => context.Request.Path.StartsWithSegments("/app"), branch => branch.UseExceptionHandler("/error"));
app.UseWhen(context => context.Request.Path.StartsWithSegments("/api/big"), branch => branch.UseResponseCompression());
// WebSockets behind nginx: uwsgi_pass tunnels them, and its uwsgi_read_timeout (60 s by default) cuts a tunnel that
// carried nothing for that long, so the server pings more often than that (ASP.NET Core's default is 2 minutes).
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseRouting();
app.MapEcho();
app.MapApp();
app.MapRealtime();
app.Run();

static Task WriteStatusTextAsync(StatusCodeContext context)
{
    var response = context.HttpContext.Response;
    var text = response.StatusCode switch
    {
        StatusCodes.Status404NotFound => "not found\n",
        StatusCodes.Status405MethodNotAllowed => "method not allowed\n",
        _ => null,
    };
    if (text is null)
    {
        return Task.CompletedTask;
    }

    response.ContentType = "text/plain";
    response.ContentLength = text.Length;
    return response.WriteAsync(text, context.HttpContext.RequestAborted);
}
