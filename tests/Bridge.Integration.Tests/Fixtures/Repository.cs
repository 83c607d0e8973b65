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

    public static string EchoAssembly => SampleAssembly("Bridge.Samples.Echo");

    public static string AspNetCoreAssembly => SampleAssembly("Bridge.Samples.AspNetCore");

    /// <summary>The ASP.NET Core sample's wwwroot as built (copied beside its assembly), whose files UseStaticFiles serves.</summary>
    public static string AspNetCoreWebRoot => Path.Combine(Path.GetDirectoryName(AspNetCoreAssembly)!, "wwwroot");

    private static string SampleAssembly(string name) => Path.Combine(Root, "src", "Samples", name, "bin", Configuration, "net10.0", name + ".dll");

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
