using System.Net.Sockets;
using Bridge.Hosting;
using Bridge.Samples.Echo;
using Bridge.Server.Options;
using Bridge.Server.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bridge.Server.Tests;

/// <summary>AddBridge on the generic host: configuration keys, validation at start, the command line.</summary>
public sealed class HostingTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("bsh-");
    private readonly LogSink _logs = new();

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task A_host_with_add_bridge_and_configuration_keys_starts_and_serves()
    {
        var path = Path.Combine(_directory.FullName, "host.sock");
        using var host = BuildHost(new()
        {
            ["Bridge:Listeners:0:Address"] = "unix:" + path,
            ["Bridge:Listeners:0:Protocol"] = "uwsgi",
            ["Bridge:Limits:MaxRequestBodySize"] = "1000",
        });

        await host.StartAsync().WaitAsync(Wire.Timeout);
        var endPoint = new UnixDomainSocketEndPoint(path);
        var hello = await UwsgiWire.SendAsync(endPoint, TestRequest.Get("/hello"));
        var tooLarge = await UwsgiWire.SendAsync(endPoint, new TestRequest("POST", "/upload") { Body = new byte[2000] });
        var fastCgi = await Wire.ExchangeAsync(endPoint, FastCgiWire.Encode(TestRequest.Get("/hello")));
        await host.StopAsync().WaitAsync(Wire.Timeout);

        Assert.Equal("hello world\n", hello.BodyText);
        Assert.Equal(413, tooLarge.StatusCode);
        Assert.Empty(fastCgi); // the listener speaks uwsgi only
        Assert.True(_logs.Has(106));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Invalid_configuration_fails_at_start_with_one_exception_listing_every_failure()
    {
        using var host = BuildHost(new()
        {
            ["Bridge:Listeners:0:Address"] = "nowhere:1",
            ["Bridge:Listeners:0:SocketMode"] = "0999",
            ["Bridge:Listeners:1:Address"] = "unix:relative.sock",
            ["Bridge:Limits:MaxRequestBodySize"] = "-1",
            ["Bridge:Limits:MaxConcurrentConnections"] = "0",
            ["Bridge:Limits:MaxIoThreads"] = "1",
            ["Bridge:Limits:RequestHeadTimeout"] = "-00:00:01",
            ["Bridge:PathBase"] = "app/",
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Wire.Timeout));

        var failures = error.Failures.ToList();
        Assert.Contains(failures, f => f.Contains("Bridge:Listeners:0:Address", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Bridge:Listeners:0:SocketMode", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Bridge:Listeners:1:Address", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Bridge:Limits:MaxRequestBodySize", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Bridge:Limits:MaxConcurrentConnections", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Bridge:Limits:MaxIoThreads", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Bridge:Limits:RequestHeadTimeout", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Bridge:PathBase", StringComparison.Ordinal));
        Assert.Equal(8, failures.Count);
    }

    [Fact]
    public async Task No_listeners_fails_at_start_naming_the_key()
    {
        using var host = BuildHost([]);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Wire.Timeout));

        Assert.Contains("Bridge:Listeners", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void The_command_line_maps_listen_protocol_and_socket_mode_and_leaves_other_arguments()
    {
        var (configuration, remaining) = BridgeCommandLine.Parse(
            ["--listen", "unix:/run/a.sock", "--protocol=fastcgi", "--verbose", "--socket-mode", "0600", "--listen=tcp:127.0.0.1:9000", "--Bridge:Limits:RequestTimeout=00:00:10"]);

        Assert.Equal("unix:/run/a.sock", configuration["Bridge:Listeners:0:Address"]);
        Assert.Equal("fastcgi", configuration["Bridge:Listeners:0:Protocol"]);
        Assert.Equal("0600", configuration["Bridge:Listeners:0:SocketMode"]);
        Assert.Equal("tcp:127.0.0.1:9000", configuration["Bridge:Listeners:1:Address"]);
        Assert.Equal("fastcgi", configuration["Bridge:Listeners:1:Protocol"]);
        Assert.Equal("0600", configuration["Bridge:Listeners:1:SocketMode"]);
        Assert.Equal(6, configuration.Count);
        Assert.Equal(["--verbose", "--Bridge:Limits:RequestTimeout=00:00:10"], remaining);
    }

    [Fact]
    public void The_command_line_binds_to_options_that_pass_validation()
    {
        var (configuration, _) = BridgeCommandLine.Parse(["--listen", "unix:/run/a.sock", "--protocol", "uwsgi", "--socket-mode", "0600"]);
        var options = new BridgeOptions();

        new ConfigurationBuilder().AddInMemoryCollection(configuration).Build().GetSection("Bridge").Bind(options);

        var listener = Assert.Single(options.Listeners);
        Assert.Equal("unix:/run/a.sock", listener.Address);
        Assert.Equal(ListenerProtocol.Uwsgi, listener.Protocol);
        Assert.Equal("0600", listener.SocketMode);
    }

    [Fact]
    public void An_option_without_its_value_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => BridgeCommandLine.Parse(["--listen"]));
    }

    private IHost BuildHost(Dictionary<string, string?> configuration)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = _directory.FullName });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(_logs);
        builder.AddBridge<EchoApplication>();
        return builder.Build();
    }
}
