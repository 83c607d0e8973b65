namespace Bridge.Cli;

/// <summary>Polls the --touch-reload file's mtime (uWSGI's touch-reload): a change, or the file appearing, asks for a reload.</summary>
internal sealed class TouchReloadWatcher(string? path)
{
    private DateTime? _stamp = Stamp(path);

    public string? Path => path;

    /// <summary>true once per change of the file's mtime since the last poll.</summary>
    public bool Poll()
    {
        if (path is null || Stamp(path) is not { } stamp || stamp == _stamp)
        {
            return false;
        }

        _stamp = stamp;
        return true;
    }

    private static DateTime? Stamp(string? path) => path is not null && File.Exists(path) ? File.GetLastWriteTimeUtc(path) : null;
}
