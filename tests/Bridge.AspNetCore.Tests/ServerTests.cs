using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using Bridge.AspNetCore.Tests.Infrastructure;
using Bridge.Hosting;
using Bridge.Server.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bridge.AspNetCore.Tests;

/// <summary>The IServer itself: addresses, configuration from the command line, validation, pooling.</summary>
public sealed class ServerTests
{
    [Fact]
    public async Task The_server_addresses_feature_lists_the_unix_and_tcp_listeners_after_start()
    {
        await using var app = await BridgeApp.StartAsync(
            web => web.MapGet("/", () => "over tcp"),
            bridge: options => options.Listeners.Add(new BridgeListenerOptions { Address = "tcp:127.0.0.1:0", Protocol = ListenerProtocol.Uwsgi }));

        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;

        Assert.Equal(addresses, app.App.Urls);
        Assert.Contains("unix:" + app.SocketPath, addresses);
        var tcp = Assert.Single(addresses, a => a.StartsWith("tcp:127.0.0.1:", StringComparison.Ordinal));
        var port = int.Parse(tcp["tcp:127.0.0.1:".Length..], CultureInfo.InvariantCulture);
        Assert.NotEqual(0, port);
        var response = WireResponse.ParseHttp(await Wire.ExchangeAsync(new IPEndPoint(IPAddress.Loopback, port), UwsgiWire.Encode(TestRequest.Get("/"))));
        Assert.Equal("over tcp", response.BodyText);
    }

    [Fact]
    public async Task The_listen_and_protocol_command_line_options_make_a_listener_without_a_Bridge_section()
    {
        var directory = Directory.CreateTempSubdirectory("bat-args-");
        try
        {
            var socket = Path.Combine(directory.FullName, "args.sock");
            await using var app = await BridgeApp.StartAsync(
                web => web.MapGet("/", () => "from args"),
                args: ["--listen", "unix:" + socket, "--protocol", "uwsgi"],
                defaultListener: false);

            var listener = Assert.Single(app.Services.GetRequiredService<IOptions<BridgeOptions>>().Value.Listeners);
            Assert.Equal(ListenerProtocol.Uwsgi, listener.Protocol);
            Assert.Equal(["unix:" + socket], app.App.Urls);
            var response = WireResponse.ParseHttp(await Wire.ExchangeAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(socket), UwsgiWire.Encode(TestRequest.Get("/"))));
            Assert.Equal("from args", response.BodyText);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Invalid_configuration_fails_at_start_listing_every_error()
    {
        var failure = await Assert.ThrowsAsync<BridgeStartException>(() => BridgeApp.StartAsync(
            web => web.MapGet("/", () => "never"),
            bridge: options =>
            {
                options.Listeners.Add(new BridgeListenerOptions { Address = "http://localhost:5000" });
                options.Listeners.Add(new BridgeListenerOptions { Address = "unix:/tmp/x.sock", SocketMode = "rwx" });
                options.Limits.MaxVariables = 0;
            },
            defaultListener: false));

        Assert.Equal(3, failure.Failures.Count);
        Assert.Contains(failure.Failures, f => f.Contains("Bridge:Listeners:0:Address", StringComparison.Ordinal));
        Assert.Contains(failure.Failures, f => f.Contains("Bridge:Listeners:1:SocketMode", StringComparison.Ordinal));
        Assert.Contains(failure.Failures, f => f.Contains("MaxVariables", StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_listener_at_all_fails_at_start_saying_how_to_give_one()
    {
        var failure = await Assert.ThrowsAsync<BridgeStartException>(() => BridgeApp.StartAsync(web => web.MapGet("/", () => "never"), defaultListener: false));

        Assert.Contains(failure.Failures, f => f.Contains("--listen", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_HttpContext_and_its_features_are_pooled_across_sequential_uwsgi_requests()
    {
        var contexts = new List<int>();
        var features = new List<int>();
        await using var app = await BridgeApp.StartAsync(web => web.Run(context =>
        {
            lock (contexts)
            {
                contexts.Add(RuntimeHelpers.GetHashCode(context));
                features.Add(RuntimeHelpers.GetHashCode(context.Features.GetRequiredFeature<IHttpRequestFeature>()));
            }

            return context.Response.WriteAsync("ok");
        }));

        // The connection hands its context back to the pool just after it closes, which no event tells the client:
        // requests go on, one at a time and bounded in number, until one of them has been given a used context.
        for (var i = 0; i < 50 && !(Reused(features) && Reused(contexts)); i++)
        {
            var response = await app.SendAsync(Front.Uwsgi, TestRequest.Get("/"));
            Assert.Equal("ok", response.BodyText);
        }

        Assert.True(Reused(features), $"Each of {features.Count} requests got new features.");
        Assert.True(Reused(contexts), $"Each of {contexts.Count} requests got a new HttpContext.");

        bool Reused(List<int> hashes)
        {
            lock (contexts)
            {
                return hashes.Distinct().Count() < hashes.Count;
            }
        }
    }

    [Fact]
    public async Task The_HttpContext_is_reused_for_sequential_requests_on_a_kept_FastCgi_connection()
    {
        var contexts = new List<HttpContext>();
        await using var app = await BridgeApp.StartAsync(web => web.Run(context =>
        {
            lock (contexts)
            {
                contexts.Add(context);
            }

            return context.Response.WriteAsync("ok");
        }));
        using var socket = await app.ConnectAsync();
        var reader = new FastCgiReader(socket);

        for (var i = 0; i < 3; i++)
        {
            await Wire.SendAsync(socket, FastCgiWire.Encode(TestRequest.Get("/"), keepConnection: true));
            var exchange = await reader.ReadUntilEndAsync(1);
            Assert.Equal("ok", exchange.Response().BodyText);
        }

        Assert.Equal(3, contexts.Count);
        Assert.True(contexts.Distinct().Count() < 3, "Every request got a new HttpContext.");
    }
}
