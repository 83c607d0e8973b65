using System.Net;
using System.Net.Sockets;
using Bridge.Server.Gateway;
using Bridge.Server.Options;
using Microsoft.Extensions.Logging;

namespace Bridge.Server.Tests.Infrastructure;

/// <summary>
/// A <see cref="BridgeServer"/> in-process, by default on one Unix socket in a fresh temporary directory, with
/// its logs captured. Disposing stops it and removes the directory.
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;

    private TestServer(BridgeServer server, BridgeOptions options, LogSink logs, ILoggerFactory loggerFactory, DirectoryInfo directory)
    {
        Server = server;
        Options = options;
        Logs = logs;
        _loggerFactory = loggerFactory;
        Directory = directory;
    }

    public BridgeServer Server { get; }

    public BridgeOptions Options { get; }

    public LogSink Logs { get; }

    public DirectoryInfo Directory { get; }

    /// <summary>The first listener's socket file (the default listener).</summary>
    public string SocketPath => Path.Combine(Directory.FullName, "bridge.sock");

    public EndPoint EndPoint => new UnixDomainSocketEndPoint(SocketPath);

    public static string NewSocketPath(DirectoryInfo directory, string name = "bridge.sock") => Path.Combine(directory.FullName, name);

    /// <summary>
    /// Starts a server for <paramref name="application"/>. The options have one listener, <c>unix:{SocketPath}</c>
    /// with <paramref name="protocol"/>, before <paramref name="configure"/> runs (which may replace it).
    /// </summary>
    public static async Task<TestServer> StartAsync(
        IGatewayApplication application,
        ListenerProtocol protocol = ListenerProtocol.Auto,
        Action<BridgeOptions, DirectoryInfo>? configure = null,
        TimeProvider? time = null)
    {
        var server = Create(application, protocol, configure, time);
        try
        {
            await server.Server.StartAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Creates the server without starting it.</summary>
    public static TestServer Create(
        IGatewayApplication application,
        ListenerProtocol protocol = ListenerProtocol.Auto,
        Action<BridgeOptions, DirectoryInfo>? configure = null,
        TimeProvider? time = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("bst-");
        var options = new BridgeOptions();
        options.Listeners.Add(new BridgeListenerOptions { Address = "unix:" + NewSocketPath(directory), Protocol = protocol });
        configure?.Invoke(options, directory);
        var logs = new LogSink();
        var loggerFactory = logs.CreateFactory();
        var server = new BridgeServer(options, application, loggerFactory, time);
        return new TestServer(server, options, logs, loggerFactory, directory);
    }

    public static TestServer CreateEcho(ListenerProtocol protocol = ListenerProtocol.Auto, Action<BridgeOptions, DirectoryInfo>? configure = null, TimeProvider? time = null)
        => Create(new Samples.Echo.EchoApplication(), protocol, configure, time);

    public static Task<TestServer> StartEchoAsync(ListenerProtocol protocol = ListenerProtocol.Auto, Action<BridgeOptions, DirectoryInfo>? configure = null, TimeProvider? time = null)
        => StartAsync(new Samples.Echo.EchoApplication(), protocol, configure, time);

    public Task<Socket> ConnectAsync() => Wire.ConnectAsync(EndPoint);

    /// <summary>One request over <paramref name="gateway"/> on a new connection (FastCGI: KEEP_CONN clear).</summary>
    public async Task<WireResponse> SendAsync(GatewayProtocol gateway, TestRequest request)
    {
        if (gateway == GatewayProtocol.Uwsgi)
        {
            return await UwsgiWire.SendAsync(EndPoint, request);
        }

        var exchange = await FastCgiWire.SendAsync(EndPoint, request);
        exchange.AssertWellFramed();
        return exchange.Response();
    }

    public Task<WireResponse> GetAsync(GatewayProtocol gateway, string uri) => SendAsync(gateway, TestRequest.Get(uri));

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await Server.StopAsync(cts.Token);
            await Server.DisposeAsync();
        }
        finally
        {
            _loggerFactory.Dispose();
            try
            {
                Directory.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
