namespace Bridge.Integration.Tests.Fixtures;

/// <summary>A log file another process is still writing (a front end's error or access log), read whole.</summary>
internal static class LogFile
{
    /// <summary>What the file holds now, read without locking out its writer; "" when it does not exist yet.</summary>
    public static string Read(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
