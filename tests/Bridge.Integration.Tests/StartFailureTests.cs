using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;

namespace Bridge.Integration.Tests;

/// <summary>
/// An app that cannot start as configured (a missing or unwritable socket directory, a socket in use, an invalid
/// or unknown option) prints what to fix once, with no stack trace, and exits 1: Echo and the ASP.NET Core sample
/// started as a user would, <c>dotnet App.dll --listen ...</c>.
/// </summary>
public sealed class StartFailureTests : IDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    private readonly string _folder = TempDirectory.Create("bridge-start-");

    public void Dispose() => TempDirectory.Delete(_folder);

    [Theory]
    [MemberData(nameof(EchoApps.All), MemberType = typeof(EchoApps))]
    public async Task A_missing_socket_directory_is_one_line_and_exit_code_1(EchoApp app)
    {
        var socket = Path.Combine(_folder, "missing", "app.sock");

        var output = await RunToFailureAsync(app, "--listen", "unix:" + socket, "--protocol", "uwsgi");

        AssertOnce(output, $"Cannot create the socket {socket}: the directory {Path.GetDirectoryName(socket)} does not exist. Create it first");
    }

    [Theory]
    [MemberData(nameof(EchoApps.All), MemberType = typeof(EchoApps))]
    public async Task A_socket_another_server_listens_on_is_one_line_and_exit_code_1(EchoApp app)
    {
        var socket = Path.Combine(_folder, "app.sock");
        await using var first = await EchoProcess.StartAsync(EchoApp.Native, socket, "uwsgi");

        var output = await RunToFailureAsync(app, "--listen", "unix:" + socket, "--protocol", "uwsgi");

        AssertOnce(output, $"Cannot listen on {socket}: another server is listening on it. Stop that server or choose another socket path.");
        Assert.True(File.Exists(socket), "The failed start removed the first server's socket.");
    }

    [Theory]
    [MemberData(nameof(EchoApps.All), MemberType = typeof(EchoApps))]
    public async Task An_invalid_allowed_front_end_is_one_line_and_exit_code_1(EchoApp app)
    {
        var output = await RunToFailureAsync(app, "--listen", "tcp:127.0.0.1:0", "--Bridge:AllowedFrontEnds:0=10.0.0.0/33");

        AssertOnce(output, "Bridge:AllowedFrontEnds: '10.0.0.0/33' is not an IP address or CIDR range");
    }

    [Theory]
    [MemberData(nameof(EchoApps.All), MemberType = typeof(EchoApps))]
    public async Task A_mistyped_option_is_one_line_naming_the_nearest_and_exit_code_1(EchoApp app)
    {
        var output = await RunToFailureAsync(app, "--listen", "unix:" + Path.Combine(_folder, "app.sock"), "--protocl", "uwsgi");

        AssertOnce(output, "Unknown option --protocl (did you mean --protocol?)");
        Assert.False(File.Exists(Path.Combine(_folder, "app.sock")));
    }

    [Fact]
    public async Task A_socket_directory_the_user_may_not_write_to_is_one_line_and_exit_code_1()
    {
        Assert.True(Posix.IsRoot, "This test needs root: it runs Echo as the user nobody in a directory only root may write to.");
        var socket = Path.Combine(_folder, "app.sock"); // the folder is 0755 root

        var output = await RunToFailureAsync(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", Dotnet, Repository.EchoAssembly, "--listen", "unix:" + socket, "--protocol", "uwsgi"]);

        AssertOnce(output, $"Cannot create the socket {socket}: user nobody may not write to {_folder}.");
    }

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private Task<string> RunToFailureAsync(EchoApp app, params string[] arguments) =>
        RunToFailureAsync([Dotnet, app == EchoApp.Native ? Repository.EchoAssembly : Repository.AspNetCoreAssembly, .. arguments]);

    private async Task<string> RunToFailureAsync(string[] command)
    {
        using var process = ChildProcess.Start(command[0], command[1..], _folder);
        if (!await process.WaitForExitAsync(ExitTimeout))
        {
            process.KillTree();
            Assert.Fail($"{process.CommandLine} did not exit within {ExitTimeout.TotalSeconds} s:\n{process.Output}");
        }

        Assert.True(process.ExitCode == 1, $"{process.CommandLine} exited {process.ExitCode}, not 1:\n{process.Output}");
        await Eventually.TrueAsync(() => process.Output.Length > 0, TimeSpan.FromSeconds(5)); // the last lines of output
        return process.Output;
    }

    // The message appears exactly once, and no stack trace or crash report comes with it.
    private static void AssertOnce(string output, string message)
    {
        var count = output.Split(message).Length - 1;
        Assert.True(count == 1, $"Expected \"{message}\" once, found it {count} times in:\n{output}");
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Stopping:", output, StringComparison.Ordinal); // nothing started, nothing to stop
    }
}
