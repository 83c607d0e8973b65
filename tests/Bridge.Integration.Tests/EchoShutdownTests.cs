using Bridge.Integration.Tests.Fixtures;

namespace Bridge.Integration.Tests;

/// <summary>The Echo contract on its own: SIGTERM makes it exit 0 and remove the socket file it created.</summary>
public sealed class EchoShutdownTests
{
    [Theory]
    [MemberData(nameof(EchoApps.All), MemberType = typeof(EchoApps))]
    public async Task Sigterm_makes_echo_exit_0_and_remove_its_socket(EchoApp app)
    {
        var folder = TempDirectory.Create("bridge-shutdown-");
        try
        {
            var echo = await EchoProcess.StartAsync(app, Path.Combine(folder, "echo.sock"), "auto");
            await using (echo)
            {
                Assert.True(File.Exists(echo.SocketPath));

                var problems = await echo.StopAsync();

                Assert.Empty(problems);
                Assert.False(File.Exists(echo.SocketPath));
            }
        }
        finally
        {
            TempDirectory.Delete(folder);
        }
    }
}
