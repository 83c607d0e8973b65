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

        var error = await Assert.ThrowsAsync<BridgeStartException>(() => host.StartAsync().WaitAsync(Wire.Timeout));

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

        var error = await Assert.ThrowsAsync<BridgeStartException>(() => host.StartAsync().WaitAsync(Wire.Timeout));

        Assert.Contains("Bridge:Listeners", Assert.Single(error.Failures), StringComparison.Ordinal);
        Assert.Equal(error.Message, error.ToString()); // what the host logs: the message, no stack trace
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
        var error = Assert.Throws<BridgeStartException>(() => BridgeCommandLine.Parse(["--listen"]));

        Assert.Equal("--listen needs a value.", Assert.Single(error.Failures));
    }

    [Theory]
    [InlineData("--protocl", "uwsgi", "--protocol")]
    [InlineData("--socket-grup", "www-data", "--socket-group")]
    [InlineData("--lisen", "unix:/run/b.sock", "--listen")]
    [InlineData("--socket-permissions", "0666", "--socket-mode")]
    public void The_command_line_refuses_a_mistyped_bridge_option_naming_the_nearest(string option, string value, string nearest)
    {
        var error = Assert.Throws<BridgeStartException>(() => BridgeCommandLine.Parse(["--listen", "unix:/run/a.sock", option, value]));

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith($"Unknown option {option}", failure, StringComparison.Ordinal);
        if (option != "--socket-permissions")
        {
            Assert.Contains($"(did you mean {nearest}?)", failure, StringComparison.Ordinal);
        }

        Assert.Contains("--socket-group", failure, StringComparison.Ordinal); // the known ones are listed
    }

    [Fact]
    public void The_command_line_leaves_options_that_are_not_bridge_shaped_to_the_app()
    {
        var (_, remaining) = BridgeCommandLine.Parse(["--listen", "unix:/run/a.sock", "--server", "kestrel", "--urls", "http://x", "--environment=Production", "--Logging:LogLevel:Default=Debug"]);

        Assert.Equal(["--server", "kestrel", "--urls", "http://x", "--environment=Production", "--Logging:LogLevel:Default=Debug"], remaining);
    }

    [Fact]
    public async Task A_mistyped_short_option_given_to_the_host_fails_the_start_naming_the_nearest()
    {
        var path = Path.Combine(_directory.FullName, "typo.sock");
        using var host = BuildHost([], ["--listen", "unix:" + path, "--protocl", "uwsgi", "--socket-grup", "www-data"]);

        var error = await Assert.ThrowsAsync<BridgeStartException>(() => host.StartAsync().WaitAsync(Wire.Timeout));

        Assert.Contains(error.Failures, f => f.StartsWith("Unknown option --protocl (did you mean --protocol?)", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Unknown option --socket-grup (did you mean --socket-group?)", StringComparison.Ordinal));
        Assert.Equal(2, error.Failures.Count);
        Assert.False(File.Exists(path)); // nothing was bound
    }

    [Fact]
    public async Task An_unknown_key_under_the_bridge_section_fails_the_start_naming_the_nearest_key()
    {
        using var host = BuildHost(new()
        {
            ["Bridge:Listeners:0:Address"] = "unix:" + Path.Combine(_directory.FullName, "key.sock"),
            ["Bridge:Listeners:0:SocketGrup"] = "www-data",
            ["Bridge:Limits:RequestTimout"] = "00:00:10",
            ["Bridge:AllowedFrontEnds:0"] = "10.0.0.0/8",
            ["Bridge:Acesslog"] = "false",
        });

        var error = await Assert.ThrowsAsync<BridgeStartException>(() => host.StartAsync().WaitAsync(Wire.Timeout));

        Assert.Contains("Bridge:Listeners:0:SocketGrup is not a Bridge option (did you mean Bridge:Listeners:0:SocketGroup?).", error.Failures);
        Assert.Contains("Bridge:Limits:RequestTimout is not a Bridge option (did you mean Bridge:Limits:RequestTimeout?).", error.Failures);
        Assert.Contains("Bridge:Acesslog is not a Bridge option (did you mean Bridge:AccessLog?).", error.Failures);
        Assert.Equal(3, error.Failures.Count);
    }

    private IHost BuildHost(Dictionary<string, string?> configuration, string[]? args = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args ?? [], ContentRootPath = _directory.FullName });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(_logs);
        builder.AddBridge<EchoApplication>();
        return builder.Build();
    }
}
