using System.Net;
using System.Net.Sockets;
using Bridge.Server.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Bridge.AspNetCore.Tests.Infrastructure;

/// <summary>
/// A real ASP.NET Core app on <c>UseBridge()</c>, in-process, listening on one Unix socket (protocol auto-detected)
/// in a fresh temporary directory, which is also its content root. Disposing stops the app and removes the directory.
/// </summary>
internal sealed class BridgeApp : IAsyncDisposable
{
    private static readonly TimeSpan StartStopTimeout = TimeSpan.FromSeconds(10);

    private BridgeApp(WebApplication app, DirectoryInfo directory, string socketPath, LogSink logs)
    {
        App = app;
        Logs = logs;
        Directory = directory;
        SocketPath = socketPath;
    }

    public WebApplication App { get; }

    /// <summary>Everything the app and Bridge logged (Debug and up).</summary>
    public LogSink Logs { get; }

    public DirectoryInfo Directory { get; }

    public string SocketPath { get; }

    public EndPoint EndPoint => new UnixDomainSocketEndPoint(SocketPath);

    public IServiceProvider Services => App.Services;

    /// <summary>Builds and starts the app: <paramref name="build"/> configures the builder, <paramref name="map"/> the pipeline.</summary>
    public static async Task<BridgeApp> StartAsync(
        Action<WebApplication> map,
        Action<WebApplicationBuilder>? build = null,
        Action<BridgeOptions>? bridge = null,
        string[]? args = null,
        bool defaultListener = true)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("bat-");
        var socketPath = SocketPathIn(directory);
        var logs = new LogSink();
        WebApplication? app = null;
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions
            {
                Args = args,
                ContentRootPath = directory.FullName,
                EnvironmentName = "Production",
            });
            builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Debug).AddProvider(logs);
            builder.WebHost.UseBridge(options =>
            {
                options.AccessLog = false;
                if (defaultListener)
                {
                    options.Listeners.Add(new BridgeListenerOptions { Address = "unix:" + socketPath, Protocol = ListenerProtocol.Auto });
                }

                bridge?.Invoke(options);
            });
            build?.Invoke(builder);
            app = builder.Build();
            map(app);
            using var cts = new CancellationTokenSource(StartStopTimeout);
            await app.StartAsync(cts.Token);
            return new BridgeApp(app, directory, socketPath, logs);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            directory.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>Where the default listener's socket is, in the app's directory.</summary>
    public static string SocketPathIn(DirectoryInfo directory) => Path.Combine(directory.FullName, "app.sock");

    /// <summary>One request over a new connection, the answer parsed (uwsgi: HTTP/1.1; FastCGI: the CGI response in STDOUT).</summary>
    public async Task<WireResponse> SendAsync(Front front, TestRequest request, int stdinChunk = FastCgiWire.MaxContentLength)
    {
        try
        {
            if (front == Front.Uwsgi)
            {
                return await UwsgiWire.SendAsync(EndPoint, request);
            }

            var exchange = await FastCgiWire.SendAsync(EndPoint, request, stdinChunk);
            exchange.AssertWellFramed();
            return exchange.Response();
        }
        catch (Xunit.Sdk.XunitException ex)
        {
            throw new Xunit.Sdk.XunitException(ex.Message + "\nLogged:\n" + Logs.Describe());
        }
    }

    public Task<Socket> ConnectAsync() => Wire.ConnectAsync(EndPoint);

    public async ValueTask DisposeAsync()
    {
        using (var cts = new CancellationTokenSource(StartStopTimeout))
        {
            try
            {
                await App.StopAsync(cts.Token);
            }
            finally
            {
                await App.DisposeAsync();
            }
        }

        try
        {
            Directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a finishing request; the temp directory is cleaned by the OS.
        }
    }
}
