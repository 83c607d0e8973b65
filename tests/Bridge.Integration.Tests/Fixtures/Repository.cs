using System.Reflection;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>Where the repository is (the folder holding Bridge.sln, found from the test binaries) and what we were built as.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: Echo is run from the same configuration as these tests.</summary>
    public static string Configuration { get; } =
        typeof(Repository).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string NginxTemplate(string name) => Path.Combine(Root, "nginx", "templates", name);

    public static string EchoAssembly => Path.Combine(
        Root, "src", "Samples", "Bridge.Samples.Echo", "bin", Configuration, "net10.0", "Bridge.Samples.Echo.dll");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Bridge.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Bridge.sln above {AppContext.BaseDirectory}: run the tests from a checkout of the repository.");
    }
}
