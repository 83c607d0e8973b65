using System.Net.Sockets;
using Bridge.Integration.Tests.Fixtures;
using Bridge.Integration.Tests.Http;
using Bridge.Testing.FrontEnd;

namespace Bridge.Integration.Tests;

/// <summary>
/// Echo run out of file descriptors (a low <c>ulimit -n</c>, in a child process): accept, eventfd and epoll fail
/// with EMFILE on its I/O threads. The process must not die of it: it logs it once, keeps what it has, and answers
/// the next good request once descriptors are free again.
/// </summary>
public sealed class DescriptorLimitTests : IDisposable
{
    private const int HeldConnections = 400;
    private readonly string _folder = TempDirectory.Create("bridge-emfile-");

    public void Dispose() => TempDirectory.Delete(_folder);

    [Theory]
    [InlineData("uwsgi")]
    [InlineData("fastcgi")]
    public async Task Under_a_low_open_files_limit_a_flood_waits_in_the_queue_and_the_next_request_is_answered(string protocol)
    {
        var socketPath = Path.Combine(_folder, protocol + ".sock");
        await using var echo = await EchoProcess.StartWithDescriptorLimitAsync(socketPath, protocol, 400);
        Assert.True(
            await Eventually.TrueAsync(() => echo.Log.Contains("The open-files limit (400) allows", StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
            "Echo did not say how many connections its open-files limit allows:\n" + echo.Log);

        await FloodAsync(socketPath, HeldConnections, until: () => echo.Log.Contains("connections are open, the most allowed", StringComparison.Ordinal));

        await AssertAnswersAsync(socketPath, protocol, echo);
        Assert.DoesNotContain("out of file descriptors", echo.Log, StringComparison.Ordinal); // it never got that far
    }

    [Theory]
    [InlineData("uwsgi")]
    [InlineData("fastcgi")]
    public async Task Out_of_descriptors_on_accept_the_server_logs_it_once_keeps_running_and_answers_once_they_free_up(string protocol)
    {
        // The limit is lowered under the running server (as when the app itself holds many files): accept, eventfd
        // and epoll then fail with EMFILE on the I/O threads.
        var socketPath = Path.Combine(_folder, protocol + ".sock");
        await using var echo = await EchoProcess.StartWithDescriptorLimitAsync(socketPath, protocol, 1000);
        await RunAsync("prlimit", "--pid", echo.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--nofile=220:220");

        await FloodAsync(socketPath, HeldConnections, until: () => echo.Log.Contains("out of file descriptors", StringComparison.Ordinal));

        await AssertAnswersAsync(socketPath, protocol, echo);
        // Logged once (not once per failed accept, nor per shortage while the flood lasts), and its recovery once.
        Assert.True(
            await Eventually.TrueAsync(() => CountOf(echo.Log, "accepting connections again") == 1, TimeSpan.FromSeconds(10)),
            "The recovery was not logged once:\n" + echo.Log);
        Assert.Equal(1, CountOf(echo.Log, "out of file descriptors"));
    }

    // Opens connections that say nothing (each holds a descriptor, and a slot), then closes them all.
    private static async Task FloodAsync(string socketPath, int count, Func<bool>? until = null)
    {
        var endPoint = new UnixDomainSocketEndPoint(socketPath);
        var held = new List<Socket>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                held.Add(await Wire.ConnectAsync(endPoint));
            }

            if (until is not null)
            {
                Assert.True(await Eventually.TrueAsync(until, TimeSpan.FromSeconds(30)), "The flood did not have the effect expected.");
            }
        }
        finally
        {
            foreach (var socket in held)
            {
                socket.Dispose();
            }
        }
    }

    // Once the flood is gone the server answers again, is still the same process, and stops cleanly (EchoProcess checks).
    private static async Task AssertAnswersAsync(string socketPath, string protocol, EchoProcess echo)
    {
        var endPoint = new UnixDomainSocketEndPoint(socketPath);
        WireResponse? answer = null;
        Assert.True(
            await Eventually.TrueAsync(
                async () =>
                {
                    try
                    {
                        answer = protocol == "uwsgi"
                            ? await UwsgiWire.SendAsync(endPoint, TestRequest.Get("/hello"))
                            : (await FastCgiWire.SendAsync(endPoint, TestRequest.Get("/hello"))).Response();
                        return answer.StatusCode == 200;
                    }
                    catch (Exception ex) when (ex is SocketException or IOException or Xunit.Sdk.XunitException or OperationCanceledException)
                    {
                        return false;
                    }
                },
                TimeSpan.FromSeconds(60)),
            "No good answer after the flood:\n" + echo.Log);
        Assert.Equal("hello world\n", answer!.BodyText);
        Assert.DoesNotContain("Unhandled exception", echo.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Out of memory", echo.Log, StringComparison.Ordinal);
    }

    private static async Task RunAsync(string command, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(command, arguments) { RedirectStandardError = true })!;
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{command} failed: {await process.StandardError.ReadToEndAsync()}");
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
