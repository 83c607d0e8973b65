namespace Bridge.Integration.Tests.Fixtures;

/// <summary>A fresh directory under the temp folder that nginx's workers (www-data) may traverse.</summary>
internal static class TempDirectory
{
    private const UnixFileMode Traversable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute; // 0755

    public static string Create(string prefix)
    {
        var directory = Directory.CreateTempSubdirectory(prefix).FullName; // created 0700
        File.SetUnixFileMode(directory, Traversable);
        return directory;
    }

    public static string CreateChild(string parent, string name)
    {
        var directory = Directory.CreateDirectory(Path.Combine(parent, name)).FullName;
        File.SetUnixFileMode(directory, Traversable);
        return directory;
    }

    public static void Delete(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
