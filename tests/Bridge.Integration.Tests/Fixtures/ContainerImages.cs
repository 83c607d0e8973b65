namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// The images the container tests run, as tests/containers/prepare.sh built them (tests/run-tests.sh runs it): their
/// names are read from artifacts/containers/images.env, with the daemon's API version, which Testcontainers must use
/// (it asks for a newer one by default, and Debian's Docker 20.10 refuses it). An environment variable of the same
/// name wins over the file. When Docker could not run here, the file says why, and every container test fails with it.
/// </summary>
internal static class ContainerImages
{
    private const string PrepareHint = "Run tests/run-tests.sh, which installs Docker, starts dockerd and builds the images (or tests/containers/prepare.sh alone).";

    private static readonly Lazy<IReadOnlyDictionary<string, string>> Values = new(Load);

    /// <summary>Debian's nginx-light (tests/containers/nginx.Dockerfile).</summary>
    public static string Nginx => Image("BRIDGE_TEST_NGINX_IMAGE");

    /// <summary>Echo, self-contained, from nginx/containers/Dockerfile: runs as uid 1654; arguments are Echo's.</summary>
    public static string App => Image("BRIDGE_TEST_APP_IMAGE");

    /// <summary>The app image with <c>dotnet-bridge run</c> as its entry point (nginx/containers/supervisor.Dockerfile).</summary>
    public static string Supervisor => Image("BRIDGE_TEST_SUPERVISOR_IMAGE");

    /// <summary>The Debian base of the others (the BASE_IMAGE the compose example is built on here).</summary>
    public static string Base => Image("BRIDGE_TEST_BASE_IMAGE");

    /// <summary>Echo published self-contained for linux-x64: the app image's content, and the compose example's publish/.</summary>
    public static string EchoPublishFolder => Image("BRIDGE_TEST_ECHO_PUBLISH");

    /// <summary>
    /// Fails with the reason when the images are not there, and makes Testcontainers use the daemon's API version and
    /// no resource reaper (its image cannot be pulled here; the tests remove what they create, and prepare.sh what a
    /// crashed run left, by label). Call before the first Testcontainers call.
    /// </summary>
    public static void Require()
    {
        _ = Values.Value;
        foreach (var name in new[] { "DOCKER_API_VERSION", "TESTCONTAINERS_RYUK_DISABLED" })
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
            {
                Environment.SetEnvironmentVariable(name, Value(name));
            }
        }
    }

    private static string Image(string name)
    {
        Require();
        return Value(name);
    }

    private static string Value(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } set ? set
        : Values.Value.TryGetValue(name, out var value) ? value
        : throw new InvalidOperationException($"{name} is not in {FilePath}. {PrepareHint}");

    private static string FilePath => Path.Combine(Repository.Root, "artifacts", "containers", "images.env");

    private static Dictionary<string, string> Load()
    {
        if (!File.Exists(FilePath))
        {
            throw new InvalidOperationException($"The container tests need Docker and their images, and {FilePath} is missing. {PrepareHint}");
        }

        var values = File.ReadAllLines(FilePath)
            .Select(line => line.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0].Trim(), pair => pair[1].Trim(), StringComparer.Ordinal);
        return values.TryGetValue("unavailable", out var reason)
            ? throw new InvalidOperationException("The container tests cannot run: Docker is unavailable on this machine: " + reason)
            : values;
    }
}
