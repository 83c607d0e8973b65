using System.Globalization;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// nginx in a container (<see cref="ContainerImages.Nginx"/>: Debian's nginx-light) behind the same interface as
/// <see cref="LocalNginxProcess"/>. The template is rendered into a private prefix folder that is bind-mounted at the
/// same path, so PREFIX, the logs and the temp folders are where the config says and the tests read the logs as
/// files; <c>user www-data;</c> always (the container's master runs as root, its workers as www-data, as in
/// production). Every <c>{{NAME_PORT}}</c> is a port of the container (the container templates listen on all its
/// addresses), published on a free loopback port of this machine: <see cref="BaseAddress"/> is that one. More mounts
/// and networks (the socket folder, a named volume, a private network) come from the <c>configure</c> callback.
/// </summary>
internal sealed class ContainerNginx : INginxFrontEnd
{
    private const int FirstContainerPort = 8001;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Func<ContainerBuilder, ContainerBuilder> _configure;
    private readonly string _prefix = TempDirectory.Create("bridge-nginx-container-");
    private readonly Dictionary<string, int> _containerPorts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _hostPorts = new(StringComparer.Ordinal);
    private IContainer? _container;

    public ContainerNginx(Func<ContainerBuilder, ContainerBuilder>? configure = null)
    {
        _configure = configure ?? (builder => builder);
    }

    public string ErrorLog => LogFile.Read(Path.Combine(_prefix, "error.log"));

    public string AccessLog => LogFile.Read(Path.Combine(_prefix, "access.log"));

    /// <summary>The running container (to stop, inspect or signal it).</summary>
    public IContainer Container => _container ?? throw new InvalidOperationException("nginx has not been started.");

    public async Task StartAsync(string templateName, IReadOnlyDictionary<string, string> values)
    {
        if (_container is not null)
        {
            throw new InvalidOperationException("nginx is already running.");
        }

        var template = await File.ReadAllTextAsync(Repository.NginxTemplate(templateName));
        NginxTemplate.CreateTempFolders(_prefix);
        var all = new Dictionary<string, string>(values, StringComparer.Ordinal)
        {
            ["PREFIX"] = _prefix,
            ["USER_DIRECTIVE"] = "user www-data;",
        };
        var builder = DockerEngine.Container(ContainerImages.Nginx)
            .WithBindMount(_prefix, _prefix)
            .WithCommand("nginx", "-p", _prefix + "/", "-c", Path.Combine(_prefix, "nginx.conf"), "-e", Path.Combine(_prefix, "error.log"));
        var names = NginxTemplate.PortNames(template);
        for (var i = 0; i < names.Count; i++)
        {
            _containerPorts[names[i]] = FirstContainerPort + i;
            all[names[i]] = (FirstContainerPort + i).ToString(CultureInfo.InvariantCulture);
            builder = builder.WithPortBinding(FirstContainerPort + i, assignRandomHostPort: true);
        }

        await File.WriteAllTextAsync(Path.Combine(_prefix, "nginx.conf"), NginxTemplate.Render(template, all));
        _container = _configure(builder).Build();
        await _container.StartAsync();
        foreach (var (name, port) in _containerPorts)
        {
            _hostPorts[name] = _container.GetMappedPublicPort(port);
        }

        await WaitUntilListeningAsync();
    }

    public int Port(string portName) =>
        _hostPorts.TryGetValue(portName, out var port) ? port : throw new ArgumentException($"The template has no {{{{{portName}}}}}.", nameof(portName));

    /// <summary>The port nginx listens on inside its container for <c>{{<paramref name="portName"/>}}</c> (what it passes as SERVER_PORT).</summary>
    public int ContainerPort(string portName) => _containerPorts[portName];

    public Uri BaseAddress(string portName) => new($"http://127.0.0.1:{Port(portName)}");

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_container is not null)
            {
                await _container.DisposeAsync(); // docker stop (SIGQUIT: graceful), then remove
                _container = null;
            }
        }
        finally
        {
            TempDirectory.Delete(_prefix);
        }
    }

    // The published ports accept connections as soon as the container runs (Docker's proxy holds them); nginx writes
    // its pid file after it has bound its own listening sockets.
    private async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!File.Exists(Path.Combine(_prefix, "nginx.pid")))
        {
            var state = (await DockerEngine.InspectAsync(Container)).State!;
            if (!state.Running || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(
                    $"nginx in container {Container.Name} did not start within {StartTimeout.TotalSeconds} s (running: {state.Running}, exit code {state.ExitCode}).\n"
                    + $"Output:\n{await DockerEngine.LogsAsync(Container)}\nError log:\n{ErrorLog}");
            }

            await Task.Delay(50);
        }
    }
}
