using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Bridge.Server.Gateway;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// One nginx (nginx/templates/isolation.conf.template) in front of Echo processes started for the request-isolation
/// tests (issue 10) only: one uwsgi and one FastCGI Echo for the cross-talk stress runs (access log off), one with
/// <c>--Bridge:Limits:RequestTimeout=00:00:01</c> (protocol auto) whose slow requests get 504, one FastCGI Echo with
/// its default access log; and an app hosted in the test process that never reads its request body.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "xunit disposes a fixture through IAsyncLifetime.DisposeAsync.")]
public sealed class IsolationBehindNginx : IAsyncLifetime
{
    /// <summary>The timeout Echo's Bridge:Limits:RequestTimeout.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(1);

    private const string Template = "isolation.conf.template";

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _started = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _aborted = new();
    private EchoGroup? _echoes;
    private LocalNginxProcess? _nginx;
    private HostedApp? _app;

    internal EchoProcess StressUwsgi { get; private set; } = null!;

    internal EchoProcess StressFastCgi { get; private set; } = null!;

    internal EchoProcess TimeoutEcho { get; private set; } = null!;

    internal EchoProcess LoggedEcho { get; private set; } = null!;

    internal INginxFrontEnd Nginx => _nginx ?? throw new InvalidOperationException("Not started.");

    /// <summary>http://127.0.0.1:PORT of the server block on <c>{{<paramref name="portName"/>}}</c>.</summary>
    public Uri BaseAddress(string portName) => Nginx.BaseAddress(portName);

    /// <summary>Completes when the hosted app's <c>/never-reads?id=<paramref name="id"/></c> request has started.</summary>
    public Task NeverReadsStarted(string id) => Signal(_started, id).Task;

    /// <summary>Completes when that request's RequestAborted has fired.</summary>
    public Task NeverReadsAborted(string id) => Signal(_aborted, id).Task;

    public Task InitializeAsync() => FixtureStart.RunAsync(StartAsync, DisposeAsync);

    public async Task DisposeAsync()
    {
        if (_nginx is not null)
        {
            await _nginx.DisposeAsync(); // first, so nothing new reaches the apps while they drain
            _nginx = null;
        }

        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }

        if (_echoes is { } echoes)
        {
            _echoes = null;
            await echoes.DisposeAsync();
        }
    }

    private async Task StartAsync()
    {
        LocalNginxProcess.FindExecutable(); // fail first, and clearly, when nginx is not installed
        var echoes = _echoes = new EchoGroup("bridge-isolation-");
        var stressUwsgi = echoes.StartAsync(EchoApp.Native, "stress-uwsgi", "uwsgi");
        var stressFastCgi = echoes.StartAsync(EchoApp.Native, "stress-fastcgi", "fastcgi");
        var timeout = echoes.StartAsync(EchoApp.Native, "timeout", "auto", "--Bridge:Limits:RequestTimeout=" + RequestTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
        var logged = echoes.StartAsync(EchoApp.Native, "logged", "fastcgi", "--access-log", "on"); // after EchoProcess's own --access-log off: the last one wins
        var app = HostedApp.StartAsync(Path.Combine(echoes.SocketFolder, "app.sock"), "uwsgi", NeverReadsAsync);
        try
        {
            await Task.WhenAll(stressUwsgi, stressFastCgi, timeout, logged, app);
        }
        finally
        {
            _app = app.IsCompletedSuccessfully ? app.Result : null;
        }

        (StressUwsgi, StressFastCgi, TimeoutEcho, LoggedEcho) = (stressUwsgi.Result, stressFastCgi.Result, timeout.Result, logged.Result);
        _nginx = new LocalNginxProcess();
        await _nginx.StartAsync(Template, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["STRESS_UWSGI_SOCKET"] = StressUwsgi.SocketPath,
            ["STRESS_FASTCGI_SOCKET"] = StressFastCgi.SocketPath,
            ["TIMEOUT_SOCKET"] = TimeoutEcho.SocketPath,
            ["LOGGED_SOCKET"] = LoggedEcho.SocketPath,
            ["APP_SOCKET"] = _app!.SocketPath,
        });
    }

    // /never-reads?id=X: never touches its body and waits for RequestAborted; anything else: /hello's answer.
    private async Task NeverReadsAsync(GatewayContext context)
    {
        if (context.Request.Path != "/never-reads")
        {
            context.Response.ContentLength = 12;
            await context.Response.Body.WriteAsync("hello world\n"u8.ToArray(), context.RequestAborted);
            return;
        }

        var id = context.Request.QueryString;
        Signal(_started, id).TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            Signal(_aborted, id).TrySetResult();
            throw;
        }
    }

    private static TaskCompletionSource Signal(ConcurrentDictionary<string, TaskCompletionSource> signals, string id)
        => signals.GetOrAdd(id, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
