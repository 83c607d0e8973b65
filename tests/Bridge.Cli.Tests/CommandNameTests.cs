using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;
using Bridge.Testing;

namespace Bridge.Cli.Tests;

/// <summary>
/// The command is <c>dotnet-bridge</c>: no Debian package installs a command of that name (iproute2 installs
/// /sbin/bridge), the packed tool's command is that name, and the README's service install (<c>dotnet tool install
/// --tool-path</c> plus a link on PATH) gives a command an unprivileged service user can run.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CommandNameTests(CommandNameTests.PackedTool tool) : IClassFixture<CommandNameTests.PackedTool>
{
    private static readonly string[] SystemDirectories = ["/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"];

    [Fact]
    public void The_command_name_is_dotnet_bridge_and_the_usage_says_so()
    {
        Assert.Equal("dotnet-bridge", CliCommand.Name);
        Assert.StartsWith("Usage: dotnet-bridge run ", Usage.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_installed_Debian_package_provides_a_command_of_that_name()
    {
        // The lookup itself works: dpkg owns its own command. (iproute2's /sbin/bridge is the name this replaced.)
        Assert.NotEmpty(await PackageCommandsAsync("dpkg"));

        var owners = await PackageCommandsAsync(CliCommand.Name);

        Assert.True(owners.Count == 0, $"Debian packages install a '{CliCommand.Name}' command: {string.Join("; ", owners)}");
    }

    [Fact]
    public async Task No_command_of_that_name_on_path_belongs_to_a_package()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (var directory in path.Concat(SystemDirectories).Distinct(StringComparer.Ordinal))
        {
            var candidate = Path.Combine(directory, CliCommand.Name);
            if (File.Exists(candidate))
            {
                var (exitCode, output) = await RunAsync("dpkg-query", ["-S", candidate]);
                Assert.True(exitCode != 0, $"{candidate} belongs to a Debian package: {output}");
            }
        }
    }

    [Fact]
    public void The_packed_tool_command_is_the_name_the_command_uses()
    {
        using var package = ZipFile.OpenRead(tool.PackagePath);
        var settings = package.Entries.Single(e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
        using var stream = settings.Open();
        var command = XDocument.Load(stream).Descendants("Command").Single();

        Assert.Equal(CliCommand.Name, command.Attribute("Name")?.Value);
        Assert.Equal(CliCommand.Name + ".dll", command.Attribute("EntryPoint")?.Value);
        Assert.StartsWith(CliCommand.Name + ".", Path.GetFileName(tool.PackagePath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_service_install_gives_a_command_an_unprivileged_user_can_run()
    {
        Assert.True(Environment.UserName == "root", "This test needs root: it runs the installed command as the user nobody, as a systemd User= would.");

        // README: dotnet tool install --tool-path /opt/dotnet-bridge ... && ln -s /opt/dotnet-bridge/dotnet-bridge /usr/local/bin/
        var toolPath = Path.Combine(tool.Folder, "opt", CliCommand.Name);
        var (installed, installOutput) = await RunAsync("dotnet", ["tool", "install", "--tool-path", toolPath, CliCommand.Name, "--add-source", Path.GetDirectoryName(tool.PackagePath)!]);
        Assert.True(installed == 0, "dotnet tool install failed:\n" + installOutput);
        var bin = Directory.CreateDirectory(Path.Combine(tool.Folder, "bin")).FullName;
        var link = Path.Combine(bin, CliCommand.Name);
        File.CreateSymbolicLink(link, Path.Combine(toolPath, CliCommand.Name));

        var (exitCode, output) = await RunAsync("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", link, "--help"]);

        Assert.True(exitCode == 0, $"{link} --help as nobody exited {exitCode}:\n{output}");
        Assert.Contains("Usage: dotnet-bridge run", output, StringComparison.Ordinal);
    }

    // Every file a package installs whose name is `name` in a directory of commands.
    private static async Task<List<string>> PackageCommandsAsync(string name)
    {
        var (exitCode, output) = await RunAsync("dpkg-query", ["-S", "*/" + name]);
        Assert.True(exitCode is 0 or 1, $"dpkg-query -S failed ({exitCode}); these tests run on Debian:\n{output}");
        var commands = SystemDirectories.Select(d => d + "/" + name).ToHashSet(StringComparer.Ordinal);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.LastIndexOf(": ", StringComparison.Ordinal) is var colon and > 0 && commands.Contains(line[(colon + 2)..]))
            .ToList();
    }

    internal static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not exit within 4 minutes.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>src/Bridge.Cli packed once (as the README says, from the build these tests ran against) into a folder others may read.</summary>
    public sealed class PackedTool : IAsyncLifetime
    {
        public string Folder { get; } = Directory.CreateTempSubdirectory("bct-tool-").FullName;

        public string PackagePath { get; private set; } = "";

        public async Task InitializeAsync()
        {
            File.SetUnixFileMode(Folder, (UnixFileMode)Convert.ToInt32("755", 8)); // the unprivileged user reaches the install
            var configuration = typeof(PackedTool).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            var project = Path.Combine(VectorFiles.Root, "..", "..", "src", "Bridge.Cli", "Bridge.Cli.csproj"); // protocol-spec/vectors: two below the root
            var artifacts = Path.Combine(Folder, "artifacts");
            var (exitCode, output) = await RunAsync("dotnet", ["pack", project, "-c", configuration, "--no-build", "-o", artifacts]);
            if (exitCode != 0)
            {
                throw new InvalidOperationException("dotnet pack src/Bridge.Cli failed:\n" + output);
            }

            PackagePath = Directory.GetFiles(artifacts, "*.nupkg").Single();
        }

        public Task DisposeAsync()
        {
            Directory.Delete(Folder, recursive: true);
            return Task.CompletedTask;
        }
    }
}
