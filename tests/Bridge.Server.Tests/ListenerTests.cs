using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Bridge.Server.Gateway;
using Bridge.Server.Options;
using Bridge.Server.Tests.Infrastructure;

namespace Bridge.Server.Tests;

/// <summary>Unix (path and abstract) and TCP listeners: file modes, stale files, conflicts, the front-end allow list.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ListenerTests
{
    private const UnixFileMode Mode0660 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;
    private const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const int SocketClosedToNginxEvent = 409;

    [Fact]
    public async Task A_socket_nginx_s_workers_cannot_open_is_a_warning_naming_socket_group()
    {
        Assert.True(Environment.UserName != "www-data" && Directory.Exists("/etc") && File.ReadAllText("/etc/passwd").Contains("\nwww-data:", StringComparison.Ordinal),
            "This test needs the user www-data (Debian's nginx worker user; base-passwd creates it) and must not run as it.");
        await using var server = await TestServer.StartEchoAsync(); // 0660, owner and group of this process: not www-data's

        var warning = await server.Logs.WaitForAsync(SocketClosedToNginxEvent);

        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, warning.Level);
        Assert.Contains($"The socket {server.SocketPath} is ", warning.Message, StringComparison.Ordinal);
        Assert.Contains("with mode 0660: nginx's workers (www-data) cannot connect", warning.Message, StringComparison.Ordinal);
        Assert.Contains("--socket-group www-data", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_socket_others_may_write_to_gets_no_warning()
    {
        await using var server = await TestServer.StartEchoAsync(configure: (options, _) => options.Listeners[0].SocketMode = "0666");

        Assert.Equal(200, (await server.GetAsync(GatewayProtocol.Uwsgi, "/hello")).StatusCode); // started and bound long since
        Assert.False(server.Logs.Has(SocketClosedToNginxEvent), server.Logs.Describe());
    }

    [Fact]
    public async Task A_socket_with_group_www_data_gets_no_warning()
    {
        Assert.True(Environment.UserName == "root", "This test needs root: only root may give a socket a group it is not in.");
        await using var server = await TestServer.StartEchoAsync(configure: (options, _) => options.Listeners[0].SocketGroup = "www-data");

        Assert.Equal(200, (await server.GetAsync(GatewayProtocol.Uwsgi, "/hello")).StatusCode);
        Assert.False(server.Logs.Has(SocketClosedToNginxEvent), server.Logs.Describe());
    }

    [Fact]
    public async Task The_socket_file_is_created_with_mode_0660_by_default()
    {
        await using var server = await TestServer.StartEchoAsync();

        Assert.Equal(Mode0660, File.GetUnixFileMode(server.SocketPath));
        Assert.Equal(200, (await server.GetAsync(GatewayProtocol.Uwsgi, "/hello")).StatusCode);
    }

    [Fact]
    public async Task A_configured_socket_mode_is_honoured()
    {
        await using var server = await TestServer.StartEchoAsync(configure: (o, _) => o.Listeners[0].SocketMode = "0600");

        Assert.Equal(Mode0600, File.GetUnixFileMode(server.SocketPath));
        Assert.Contains("mode 0600", (await server.Logs.WaitForAsync(401)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stale_socket_file_is_removed_on_start_and_logged()
    {
        await using var server = TestServer.CreateEcho();
        // .NET unlinks a bound socket's file on Dispose, as a clean exit would; a crash leaves it. Rename it away
        // from under the socket first, so the file survives the Dispose, as after a crash.
        var bound = TestServer.NewSocketPath(server.Directory, "crashed.sock");
        using (var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            stale.Bind(new UnixDomainSocketEndPoint(bound));
            File.Move(bound, server.SocketPath);
        }

        Assert.True(File.Exists(server.SocketPath));

        await server.Server.StartAsync();

        Assert.Contains(server.SocketPath, (await server.Logs.WaitForAsync(402)).Message, StringComparison.Ordinal);
        Assert.Equal(200, (await server.GetAsync(GatewayProtocol.Uwsgi, "/hello")).StatusCode);
    }

    [Fact]
    public async Task Start_fails_with_a_clear_message_when_a_live_server_holds_the_path()
    {
        await using var first = await TestServer.StartEchoAsync();
        await using var second = TestServer.CreateEcho(configure: (o, _) => o.Listeners[0].Address = "unix:" + first.SocketPath);

        var error = await Assert.ThrowsAsync<IOException>(() => second.Server.StartAsync());

        Assert.Contains("another server is listening", error.Message, StringComparison.Ordinal);
        Assert.Contains(first.SocketPath, error.Message, StringComparison.Ordinal);
        Assert.Equal(200, (await first.GetAsync(GatewayProtocol.Uwsgi, "/hello")).StatusCode);
    }

    [Fact]
    public async Task Start_fails_when_a_regular_file_is_at_the_path_and_the_file_is_kept()
    {
        await using var server = TestServer.CreateEcho();
        await File.WriteAllTextAsync(server.SocketPath, "precious");

        var error = await Assert.ThrowsAsync<IOException>(() => server.Server.StartAsync());

        Assert.Contains("not a socket", error.Message, StringComparison.Ordinal);
        Assert.Equal("precious", await File.ReadAllTextAsync(server.SocketPath));
    }

    [Fact]
    public async Task The_socket_file_is_removed_on_stop()
    {
        await using var server = await TestServer.StartEchoAsync();
        Assert.True(File.Exists(server.SocketPath));

        await server.Server.StopAsync();

        Assert.False(File.Exists(server.SocketPath));
        await server.Logs.WaitForAsync(405);
    }

    [Fact]
    public async Task A_socket_file_taken_over_by_a_newer_server_is_left_in_place_on_stop()
    {
        await using var server = await TestServer.StartEchoAsync();

        // A restart that overlaps: the new server replaces the file before the old one has stopped.
        File.Delete(server.SocketPath);
        using var newer = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        newer.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(server.SocketPath));
        newer.Listen(1);
        await server.Server.StopAsync();

        Assert.True(File.Exists(server.SocketPath));
        using var client = await server.ConnectAsync(); // still the newer server's socket
        Assert.True(client.Connected);
        await server.Logs.WaitForAsync(407); // "Left the socket file ... in place"
        Assert.False(server.Logs.Has(405));
    }

    [Fact]
    public async Task An_abstract_unix_socket_serves_requests()
    {
        var name = "bridge-test-" + Guid.NewGuid().ToString("N");
        await using var server = await TestServer.StartEchoAsync(configure: (o, _) => o.Listeners[0].Address = "unix:@" + name);

        var response = await UwsgiWire.SendAsync(new UnixDomainSocketEndPoint("\0" + name), TestRequest.Get("/hello"));

        Assert.Equal("hello world\n", response.BodyText);
        Assert.Equal(["unix:@" + name], server.Server.Addresses);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    public async Task A_tcp_listener_on_port_0_reports_its_bound_port_and_serves(string host)
    {
        await using var server = await TestServer.StartEchoAsync(configure: (o, _) => o.Listeners[0].Address = $"tcp:{host}:0");

        var endPoint = TcpEndPoint(Assert.Single(server.Server.Addresses));

        Assert.NotEqual(0, endPoint.Port);
        Assert.Equal(IPAddress.Parse(host.Trim('[', ']')), endPoint.Address);
        Assert.Equal("hello world\n", (await UwsgiWire.SendAsync(endPoint, TestRequest.Get("/hello"))).BodyText);
        var exchange = await FastCgiWire.SendAsync(endPoint, TestRequest.Get("/hello"));
        exchange.AssertWellFramed();
        Assert.Equal("hello world\n", exchange.Response().BodyText);
    }

    [Fact]
    public async Task A_tcp_client_outside_allowed_front_ends_is_refused_while_unix_sockets_still_work()
    {
        var app = new ProbeApplication(new Samples.Echo.EchoApplication());
        await using var server = await TestServer.StartAsync(app, configure: (o, _) =>
        {
            o.AllowedFrontEnds.Add("10.0.0.0/8");
            o.Listeners.Add(new BridgeListenerOptions { Address = "tcp:127.0.0.1:0" });
        });
        var tcp = TcpEndPoint(server.Server.Addresses[1]);

        using var refused = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var received = Array.Empty<byte>();
        try
        {
            using var cts = Wire.TimeoutSource();
            await refused.ConnectAsync(tcp, cts.Token);
            await Wire.SendAsync(refused, UwsgiWire.Encode(TestRequest.Get("/hello")));
            received = await Wire.ReadToEndAsync(refused);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
        {
            // the server closed it before (or while) the client got going: refused either way
        }

        Assert.Empty(received);
        Assert.Contains("127.0.0.1", (await server.Logs.WaitForAsync(103)).Message, StringComparison.Ordinal);
        Assert.False(app.AnyStarted);
        Assert.Equal("hello world\n", (await server.GetAsync(GatewayProtocol.Uwsgi, "/hello")).BodyText);
    }

    [Fact]
    public async Task A_tcp_socket_inherited_as_fd_still_refuses_front_ends_outside_the_allow_list()
    {
        // The server takes over the descriptor (as from a supervisor or systemd): this Socket object lets go of it.
        var inherited = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        inherited.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        inherited.Listen();
        var endPoint = (IPEndPoint)inherited.LocalEndPoint!;
        var fd = inherited.SafeHandle.DangerousGetHandle();
        inherited.SafeHandle.SetHandleAsInvalid();
        var app = new ProbeApplication(new Samples.Echo.EchoApplication());
        await using var server = await TestServer.StartAsync(app, configure: (o, _) =>
        {
            o.AllowedFrontEnds.Add("10.0.0.0/8");
            o.Listeners.Add(new BridgeListenerOptions { Address = "fd:" + fd });
        });

        using var refused = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var received = Array.Empty<byte>();
        try
        {
            using var cts = Wire.TimeoutSource();
            await refused.ConnectAsync(endPoint, cts.Token);
            await Wire.SendAsync(refused, UwsgiWire.Encode(TestRequest.Get("/hello")));
            received = await Wire.ReadToEndAsync(refused);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
        {
            // closed by the server before or while the client sent: refused either way
        }

        Assert.Empty(received);
        await server.Logs.WaitForAsync(103);
        Assert.False(app.AnyStarted);
    }

    [Fact]
    public async Task Several_listeners_with_different_protocols_serve_at_once()
    {
        await using var server = await TestServer.StartEchoAsync(ListenerProtocol.Uwsgi, (o, dir) =>
        {
            o.Listeners.Add(new BridgeListenerOptions { Address = "unix:" + TestServer.NewSocketPath(dir, "fcgi.sock"), Protocol = ListenerProtocol.FastCgi });
            o.Listeners.Add(new BridgeListenerOptions { Address = "tcp:127.0.0.1:0", Protocol = ListenerProtocol.Auto });
        });
        var fastCgiPath = new UnixDomainSocketEndPoint(TestServer.NewSocketPath(server.Directory, "fcgi.sock"));
        var tcp = TcpEndPoint(server.Server.Addresses[2]);

        var results = await Task.WhenAll(
            UwsgiWire.SendAsync(server.EndPoint, TestRequest.Get("/hello")),
            FastCgiWire.SendAsync(fastCgiPath, TestRequest.Get("/hello")).ContinueWith(t => t.Result.Response(), TaskScheduler.Default),
            UwsgiWire.SendAsync(tcp, TestRequest.Get("/hello")),
            FastCgiWire.SendAsync(tcp, TestRequest.Get("/hello")).ContinueWith(t => t.Result.Response(), TaskScheduler.Default));

        Assert.All(results, r => Assert.Equal("hello world\n", r.BodyText));
        Assert.Equal(3, server.Server.Addresses.Count);
        Assert.Empty(await Wire.ExchangeAsync(fastCgiPath, UwsgiWire.Encode(TestRequest.Get("/hello"))));
    }

    private static IPEndPoint TcpEndPoint(string address)
    {
        Assert.StartsWith("tcp:", address, StringComparison.Ordinal);
        var endPoint = IPEndPoint.Parse(address[4..]);
        return endPoint;
    }
}
