using Docker.DotNet;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Images;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// The Docker daemon as the container tests use it: containers from the local images only (never a pull), every
/// container, network and volume labelled with this test process's PID (tests/containers/prepare.sh removes what a
/// crashed run left), and what Testcontainers does not offer: signals, inspection, logs waited for.
/// </summary>
internal static class DockerEngine
{
    /// <summary>The label prepare.sh looks for: resources whose process is gone are left-overs.</summary>
    public const string OwnerLabel = "bridge.tests.pid";

    private static readonly Lazy<IDockerClient> LazyClient = new(() =>
    {
        ContainerImages.Require();
        return TestcontainersSettings.OS.DockerEndpointAuthConfig.GetDockerClientBuilder(ResourceReaper.DefaultSessionId).Build();
    });

    public static IDockerClient Client => LazyClient.Value;

    public static string Owner { get; } = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A container of a local image, labelled as ours; ports published with <see cref="OnLoopback"/> only.</summary>
    public static ContainerBuilder Container(string image)
    {
        ContainerImages.Require();
        return new ContainerBuilder(image)
            .WithImagePullPolicy(PullPolicy.Never)
            .WithLabel(OwnerLabel, Owner)
            .WithCreateParameterModifier(OnLoopback);
    }

    public static NetworkBuilder Network(string name)
    {
        ContainerImages.Require();
        return new NetworkBuilder().WithName(name).WithLabel(OwnerLabel, Owner);
    }

    public static VolumeBuilder Volume(string name)
    {
        ContainerImages.Require();
        return new VolumeBuilder().WithName(name).WithLabel(OwnerLabel, Owner);
    }

    /// <summary>A name no other run or test picks: <c>bridge-tests-PID-PURPOSE-RANDOM</c>.</summary>
    public static string UniqueName(string purpose) => $"bridge-tests-{Owner}-{purpose}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary><c>docker kill -s SIGNAL</c>: KILL, HUP, TERM...</summary>
    public static Task SignalAsync(IContainer container, string signal) =>
        Client.Containers.KillContainerAsync(container.Id, new ContainerKillParameters { Signal = signal });

    public static Task<ContainerInspectResponse> InspectAsync(IContainer container) => Client.Containers.InspectContainerAsync(container.Id);

    /// <summary>stdout and stderr so far, without timestamps.</summary>
    public static async Task<string> LogsAsync(IContainer container)
    {
        var (stdout, stderr) = await container.GetLogsAsync(timestampsEnabled: false);
        return stdout + stderr;
    }

    /// <summary>Waits (bounded) until the container's output contains <paramref name="text"/>; fails at once, with its output, if it exits.</summary>
    public static async Task WaitForLogAsync(IContainer container, string text, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var logs = await LogsAsync(container);
            if (logs.Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            var state = (await InspectAsync(container)).State!;
            if (!state.Running)
            {
                throw new InvalidOperationException($"Container {container.Name} ({container.Image.FullName}) exited with code {state.ExitCode} before logging '{text}':\n{logs}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"Container {container.Name} ({container.Image.FullName}) did not log '{text}' within {within.TotalSeconds} s:\n{logs}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits (bounded) until the container has exited; its exit code.</summary>
    public static async Task<long> WaitForExitAsync(IContainer container, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var response = await Client.Containers.WaitContainerAsync(container.Id, timeout.Token);
        return response.StatusCode;
    }

    // Published ports listen on 127.0.0.1 only (Docker's default is every address of this machine).
    private static void OnLoopback(CreateContainerParameters parameters)
    {
        foreach (var bindings in parameters.HostConfig?.PortBindings?.Values ?? [])
        {
            foreach (var binding in bindings)
            {
                binding.HostIP = "127.0.0.1";
            }
        }
    }
}
