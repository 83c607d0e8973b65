using System.Globalization;
using Docker.DotNet.Models;
using Bridge.Integration.Tests.Fixtures;

namespace Bridge.Integration.Tests.Containers;

/// <summary>
/// The user-facing example nginx/containers/ (compose.yaml, nginx.conf, Dockerfile) run as its comments say, with
/// Debian's docker-compose: the three files copied as they are into a private folder beside the self-contained Echo
/// (publish/, hard links to what tests/containers/build-images.sh published), and a .env that names the test images
/// (no registry here) and asks for free loopback ports. A second compose file only adds this run's label to every
/// container, network and volume, so a crashed run's are removed by tests/containers/prepare.sh.
/// </summary>
internal sealed class ComposeProject : IAsyncDisposable
{
    private const string Compose = "/usr/bin/docker-compose";
    private static readonly string[] ExampleFiles = ["compose.yaml", "nginx.conf", "Dockerfile"];
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    private readonly string _folder;
    private bool _up;

    private ComposeProject(string folder, string name)
    {
        _folder = folder;
        Name = name;
    }

    /// <summary>The project name (compose's label com.docker.compose.project); the volume is NAME_sockets.</summary>
    public string Name { get; }

    public string SocketsVolume => Name + "_sockets";

    /// <summary>Copies the example, then <c>docker-compose up -d --build</c>.</summary>
    public static async Task<ComposeProject> UpAsync()
    {
        if (!File.Exists(Compose))
        {
            throw new InvalidOperationException($"{Compose} is missing: tests/run-tests.sh installs Debian's docker-compose (tests/containers/prepare.sh).");
        }

        var folder = TempDirectory.Create("bridge-compose-");
        var project = new ComposeProject(folder, DockerEngine.UniqueName("compose"));
        try
        {
            foreach (var file in ExampleFiles)
            {
                File.Copy(Path.Combine(Repository.Root, "nginx", "containers", file), Path.Combine(folder, file));
            }

            LinkTree(ContainerImages.EchoPublishFolder, Path.Combine(folder, "publish"));
            await File.WriteAllLinesAsync(Path.Combine(folder, ".env"),
            [
                "APP_IMAGE=bridge-test/compose-app:latest",
                "BASE_IMAGE=" + ContainerImages.Base,
                "NGINX_IMAGE=" + ContainerImages.Nginx,
                "UWSGI_PORT=0", // Docker picks a free port
                "FASTCGI_PORT=0",
            ]);
            var label = $"      {DockerEngine.OwnerLabel}: \"{DockerEngine.Owner}\"";
            await File.WriteAllLinesAsync(Path.Combine(folder, "labels.yaml"),
            [
                "services:", "  app:", "    labels:", label, "    build:", "      labels:", "        bridge.tests.image: compose-app",
                "  nginx:", "    labels:", label,
                "volumes:", "  sockets:", "    labels:", label,
                "networks:", "  default:", "    labels:", label,
            ]);
            project._up = true;
            await project.RunAsync("up", "-d", "--build");
            return project;
        }
        catch (Exception startFailure)
        {
            try
            {
                await project.DisposeAsync();
            }
            catch (InvalidOperationException cleanupFailure)
            {
                throw new AggregateException(startFailure, cleanupFailure);
            }

            throw;
        }
    }

    /// <summary>The container of <paramref name="service"/>, found by compose's labels.</summary>
    public async Task<ContainerInspectResponse> InspectAsync(string service)
    {
        var containers = await DockerEngine.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { ["com.docker.compose.project=" + Name] = true, ["com.docker.compose.service=" + service] = true },
            },
        });
        var container = containers.Count == 1 ? containers[0] : throw new InvalidOperationException($"{containers.Count} containers of service {service} in project {Name}.");
        return await DockerEngine.Client.Containers.InspectContainerAsync(container.ID);
    }

    /// <summary>The loopback port Docker published for <paramref name="port"/> of <paramref name="service"/> (compose.yaml asks for a free one).</summary>
    public async Task<int> PublishedPortAsync(string service, int port)
    {
        var bindings = (await InspectAsync(service)).NetworkSettings!.Ports![port.ToString(CultureInfo.InvariantCulture) + "/tcp"];
        return int.Parse(bindings.Single().HostPort!, CultureInfo.InvariantCulture);
    }

    /// <summary>Runs <c>docker-compose -p NAME -f compose.yaml -f labels.yaml ARGS</c> in the project folder (bounded); its output, or an exception with it.</summary>
    public async Task<string> RunAsync(params string[] arguments)
    {
        using var process = ChildProcess.Start(Compose, ["--ansi", "never", "-p", Name, "-f", "compose.yaml", "-f", "labels.yaml", .. arguments], _folder);
        if (!await process.WaitForExitAsync(CommandTimeout))
        {
            process.KillTree();
            throw new InvalidOperationException($"docker-compose {string.Join(' ', arguments)} did not finish within {CommandTimeout.TotalSeconds} s:\n{process.Output}");
        }

        await Task.Delay(50); // the last lines of output
        return process.ExitCode == 0
            ? process.Output
            : throw new InvalidOperationException($"docker-compose {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{process.Output}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_up)
            {
                _up = false;
                await RunAsync("down", "-v", "--timeout", "40");
            }
        }
        finally
        {
            TempDirectory.Delete(_folder);
        }
    }

    // The build context must hold the files themselves (Docker does not follow symbolic links out of it): hard links, no copy.
    private static void LinkTree(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, directory)));
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            Posix.HardLink(file, Path.Combine(target, Path.GetRelativePath(source, file)));
        }
    }
}
