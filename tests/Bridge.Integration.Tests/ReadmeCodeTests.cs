using System.Net;
using System.Text.RegularExpressions;
using Bridge.Integration.Tests.Fixtures;

namespace Bridge.Integration.Tests;

/// <summary>
/// The README's C# compiles as written, and its "Writing an app" example does what the text beside it says.
/// Every <c>```csharp</c> block has a marker on the line before it:
/// <c>&lt;!-- compile: console|web; references: Bridge.Hosting[, ...][; project: NAME] --&gt;</c>. Each block is
/// one file of a fresh project like <c>dotnet new console</c> (or <c>web</c>) with a ProjectReference to each named
/// src/ project; blocks that name the same project compile together (the first is Program.cs), else each is its own.
/// </summary>
[Collection(ReadmeProjects.Name)]
public sealed partial class ReadmeCodeTests(ReadmeProjects projects)
{
    public static TheoryData<string> Projects() => new(ReadmeProjects.Parse().Select(p => p.Name));

    [Fact]
    public void Every_csharp_block_in_the_readme_is_marked_to_be_compiled()
    {
        var readme = File.ReadAllLines(ReadmeProjects.ReadmePath);
        var blocks = 0;
        for (var i = 0; i < readme.Length; i++)
        {
            if (readme[i].TrimEnd() == "```csharp")
            {
                blocks++;
                Assert.True(i > 0 && ReadmeProjects.Marker().IsMatch(readme[i - 1]), $"README.md line {i + 1}: a C# block without a `<!-- compile: ... -->` marker above it.");
            }
        }

        Assert.True(blocks >= 2, "The README's C# blocks were not found.");
        Assert.Equal(blocks, ReadmeProjects.Parse().Sum(p => p.Files.Count));
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public async Task A_readme_project_compiles_as_written(string name)
    {
        var (exitCode, output) = await projects.BuildAsync(name);

        Assert.True(exitCode == 0, $"The README's project '{name}' does not compile:\n{output}");
        Assert.DoesNotContain(": error ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_writing_an_app_example_answers_with_the_content_length_its_text_promises()
    {
        var (exitCode, output) = await projects.BuildAsync("console");
        Assert.True(exitCode == 0, "The README's console project does not compile:\n" + output);
        var folder = TempDirectory.Create("bridge-readme-app-");
        try
        {
            var socket = Path.Combine(folder, "app.sock");
            List<string> arguments = [projects.AssemblyOf("console"), "--listen", "unix:" + socket, "--protocol", "uwsgi"];
            if (Posix.IsRoot)
            {
                arguments.AddRange(["--socket-group", "www-data"]); // as the README's Run it line says
            }

            using var app = ChildProcess.Start(Dotnet, arguments, folder);
            try
            {
                Assert.True(
                    await Http.Eventually.TrueAsync(() => File.Exists(socket) || app.HasExited, TimeSpan.FromSeconds(30)) && !app.HasExited,
                    $"The README's app did not listen on {socket}:\n{app.Output}");
                await using var nginx = new LocalNginxProcess();
                await nginx.StartTemplateTextAsync(await ShippedConfigTests.TemplateAroundAsync("uwsgi.conf"), new Dictionary<string, string> { ["APP_SOCKET"] = socket });
                using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

                using var response = await client.GetAsync(new Uri(nginx.BaseAddress("SITE_PORT"), "/"));

                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
                Assert.Equal(6, response.Content.Headers.ContentLength); // as sent: read before the body is buffered
                Assert.Equal("hello\n", await response.Content.ReadAsStringAsync());
            }
            finally
            {
                app.Signal(Posix.SigTerm);
                if (!await app.WaitForExitAsync(TimeSpan.FromSeconds(20)))
                {
                    app.KillTree();
                }
            }
        }
        finally
        {
            TempDirectory.Delete(folder);
        }
    }

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
}

[CollectionDefinition(ReadmeProjects.Name)]
public sealed class ReadmeProjectsDefinition : ICollectionFixture<ReadmeProjects>
{
}

/// <summary>The README's C# blocks as projects in a temporary folder, each built at most once (concurrently on first use).</summary>
public sealed partial class ReadmeProjects : IDisposable
{
    public const string Name = "README projects";

    private readonly string _folder = TempDirectory.Create("bridge-readme-");
    private readonly Dictionary<string, Task<(int ExitCode, string Output)>> _builds = [];

    internal static string ReadmePath => Path.Combine(Repository.Root, "README.md");

    public Task<(int ExitCode, string Output)> BuildAsync(string name)
    {
        lock (_builds)
        {
            if (!_builds.TryGetValue(name, out var build))
            {
                build = BuildProjectAsync(Parse().Single(p => p.Name == name));
                _builds[name] = build;
            }

            return build;
        }
    }

    public string AssemblyOf(string name) => Path.Combine(_folder, name, "bin", Repository.Configuration, "net10.0", ProjectFileName(name) + ".dll");

    public void Dispose() => TempDirectory.Delete(_folder);

    internal sealed record ReadmeProject(string Name, string Kind, IReadOnlyList<string> References, List<string> Files);

    /// <summary>The marked blocks of README.md, grouped by project.</summary>
    internal static List<ReadmeProject> Parse()
    {
        var lines = File.ReadAllLines(ReadmePath);
        var projects = new List<ReadmeProject>();
        for (var i = 1; i < lines.Length; i++)
        {
            var marker = Marker().Match(lines[i - 1]);
            if (lines[i].TrimEnd() != "```csharp" || !marker.Success)
            {
                continue;
            }

            var end = Array.FindIndex(lines, i + 1, l => l.TrimEnd() == "```");
            var code = string.Join('\n', lines[(i + 1)..end]) + "\n";
            var kind = marker.Groups["kind"].Value;
            var name = marker.Groups["project"].Success ? marker.Groups["project"].Value : kind;
            var references = marker.Groups["references"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (projects.Find(p => p.Name == name) is { } existing)
            {
                existing.Files.Add(code);
            }
            else
            {
                projects.Add(new ReadmeProject(name, kind, references, [code]));
            }

            i = end;
        }

        return projects;
    }

    [GeneratedRegex(@"^<!-- compile: (?<kind>console|web); references: (?<references>[A-Za-z.]+(, *[A-Za-z.]+)*)(; project: (?<project>[\w-]+))? -->$")]
    internal static partial Regex Marker();

    private static string ProjectFileName(string name) => "Readme" + char.ToUpperInvariant(name[0]) + name[1..].Replace("-", "", StringComparison.Ordinal);

    // What `dotnet new console|web` and `dotnet add reference` give, built offline against the solution's build.
    private async Task<(int ExitCode, string Output)> BuildProjectAsync(ReadmeProject project)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_folder, project.Name)).FullName;
        var sdk = project.Kind == "web" ? "Microsoft.NET.Sdk.Web" : "Microsoft.NET.Sdk";
        var references = string.Join("\n", project.References.Select(r =>
            $"    <ProjectReference Include=\"{Path.Combine(Repository.Root, "src", r, r + ".csproj")}\" />"));
        await File.WriteAllTextAsync(Path.Combine(directory, ProjectFileName(project.Name) + ".csproj"), $"""
            <Project Sdk="{sdk}">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
            {references}
              </ItemGroup>
            </Project>
            """);
        for (var i = 0; i < project.Files.Count; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, i == 0 ? "Program.cs" : $"Block{i + 1}.cs"), project.Files[i]);
        }

        // The referenced projects are already built (this test project builds them): use their output as it is.
        using var build = ChildProcess.Start(
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet",
            ["build", "-c", Repository.Configuration, "--no-dependencies", "-nologo", "-v:q"],
            directory);
        if (!await build.WaitForExitAsync(TimeSpan.FromMinutes(5)))
        {
            build.KillTree();
            return (-1, "dotnet build did not finish within 5 minutes.\n" + build.Output);
        }

        return (build.ExitCode, build.Output);
    }
}
