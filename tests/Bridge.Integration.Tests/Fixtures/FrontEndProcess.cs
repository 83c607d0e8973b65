namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// A front end other than nginx (Apache, lighttpd, uWSGI's HTTP router) run in the foreground as a child process on
/// a private prefix, from a template in tests/front-ends/ (<c>{{NAME}}</c> placeholders, a free loopback port for
/// every <c>{{NAME_PORT}}</c>: a <see cref="TemplatedServer"/>). As root, the config drops to www-data as the
/// packaged service does. A system instance of the same server is never touched: only the PID started here is
/// signalled.
/// </summary>
internal sealed class FrontEndProcess : IAsyncDisposable
{
    private const UnixFileMode Everyone = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    private readonly TemplatedServer _server;

    private FrontEndProcess(string name, int stopSignal)
    {
        _server = new TemplatedServer(name, stopSignal);

        // lighttpd opens its error log after dropping to www-data: the file is made here, writable by it.
        File.WriteAllText(ErrorLogPath, "");
        File.SetUnixFileMode(ErrorLogPath, Everyone);
    }

    /// <summary>The front end's output and its error log (PREFIX/error.log), for failure messages.</summary>
    public string Log => Describe(_server.Process);

    private string ErrorLogPath => Path.Combine(_server.Prefix, "error.log");

    /// <summary>
    /// Renders tests/front-ends/<paramref name="template"/> into PREFIX/<paramref name="configName"/>, runs
    /// <paramref name="executable"/> with <paramref name="arguments"/> (given the config's path) and returns once every
    /// port accepts connections.
    /// </summary>
    public static async Task<FrontEndProcess> StartAsync(
        string name, string executable, string template, string configName, Func<string, string[]> arguments,
        IReadOnlyDictionary<string, string> values, string userLines, int stopSignal)
    {
        var front = new FrontEndProcess(name, stopSignal);
        try
        {
            var text = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "tests", "front-ends", template));
            var all = new Dictionary<string, string>(values, StringComparer.Ordinal) { ["USER_LINES"] = Posix.IsRoot ? userLines : "" };
            await front._server.StartAsync(
                executable, arguments, text, configName, all, front.Describe, process => front.Describe(process).Contains("in use", StringComparison.OrdinalIgnoreCase));
            return front;
        }
        catch
        {
            await front.DisposeAsync();
            throw;
        }
    }

    /// <summary>The executable at <paramref name="path"/>, or a failure that says how to install it.</summary>
    public static string Require(string path, string package) => File.Exists(path)
        ? path
        : throw new InvalidOperationException(
            $"{path} is missing, and the integration tests run it in front of Bridge. Install it with `apt-get update && apt-get install -y {package}` "
            + "(Debian), or run tests/run-tests.sh, which installs it.");

    public int Port(string portName) => _server.Port(portName);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private string Describe(ChildProcess? process) => (process?.Output ?? "") + LogFile.Read(ErrorLogPath);
}
