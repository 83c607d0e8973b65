using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// One test's stack: a private folder, <c>dotnet-bridge run</c> with Echo as its app (<see cref="BridgeSupervisorProcess"/>)
/// and a real nginx in front of its socket (nginx/templates/supervisor.conf.template, uwsgi_pass).
/// </summary>
internal sealed class SupervisedEcho : IAsyncDisposable
{
    private readonly string _folder;
    private readonly LocalNginxProcess _nginx;

    private SupervisedEcho(string folder, BridgeSupervisorProcess supervisor, LocalNginxProcess nginx)
    {
        _folder = folder;
        Supervisor = supervisor;
        _nginx = nginx;
        BaseAddress = nginx.BaseAddress("UWSGI_PORT");
        FastCgiBaseAddress = nginx.BaseAddress("FASTCGI_PORT");
    }

    public BridgeSupervisorProcess Supervisor { get; }

    public Uri BaseAddress { get; }

    /// <summary>nginx's server block that reaches the same socket over FastCGI with kept connections.</summary>
    public Uri FastCgiBaseAddress { get; }

    public string NginxErrorLog => _nginx.ErrorLog;

    /// <summary>Talks to nginx over loopback; up to 64 connections, no cookies, no redirects.</summary>
    public HttpClient Client { get; } = FrontEndClient.Create(
        timeout: TimeSpan.FromSeconds(30), pooledConnectionIdleTimeout: TimeSpan.FromSeconds(30), maxConnectionsPerServer: 64);

    public static Task<SupervisedEcho> StartAsync(int workers, params string[] options) => StartAsync(workers, options, appOptions: []);

    /// <summary>As <see cref="StartAsync(int, string[])"/>, with more options for Echo itself.</summary>
    public static async Task<SupervisedEcho> StartAsync(int workers, string[] options, string[] appOptions)
    {
        var folder = TempDirectory.Create("bridge-run-");
        BridgeSupervisorProcess? supervisor = null;
        var nginx = new LocalNginxProcess();
        try
        {
            supervisor = await BridgeSupervisorProcess.StartAsync(folder, workers, options, appOptions);
            await nginx.StartAsync("supervisor.conf.template", new Dictionary<string, string> { ["APP_SOCKET"] = supervisor.SocketPath });
            return new SupervisedEcho(folder, supervisor, nginx);
        }
        catch
        {
            await nginx.DisposeAsync();
            if (supervisor is not null)
            {
                await supervisor.DisposeAsync();
            }

            TempDirectory.Delete(folder);
            throw;
        }
    }

    public Uri Url(string pathAndQuery) => new(BaseAddress, pathAndQuery);

    /// <summary>
    /// <paramref name="concurrency"/> loops of GET /hello and /echo through nginx until <paramref name="stop"/> is
    /// cancelled or <paramref name="maxDuration"/> passes (each loop also stops after 100 000 requests). Any non-200
    /// answer or exception counts as a failure.
    /// </summary>
    public async Task<LoadResult> RunLoadAsync(int concurrency, TimeSpan maxDuration, CancellationToken stop, Uri? baseAddress = null)
    {
        var origin = baseAddress ?? BaseAddress;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stop);
        bounded.CancelAfter(maxDuration);
        var failures = new ConcurrentQueue<string>();
        long requests = 0;
        var clock = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, concurrency).Select(loop => Task.Run(async () =>
        {
            for (var i = 0; i < 100_000 && !bounded.IsCancellationRequested; i++)
            {
                var path = (i + loop) % 2 == 0 ? "/hello" : $"/echo/load/{loop}/{i}";
                Interlocked.Increment(ref requests);
                try
                {
                    using var response = await Client.GetAsync(new Uri(origin, path), CancellationToken.None);
                    var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    if (response.StatusCode != HttpStatusCode.OK || (path == "/hello" && body != "hello world\n"))
                    {
                        failures.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {path}: {(int)response.StatusCode} {body.Trim()}");
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    failures.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {path}: {ex.GetType().Name}: {ex.Message}");
                }
            }
        })).ToArray();
        await Task.WhenAll(loops);
        return new LoadResult(Interlocked.Read(ref requests), [.. failures], clock.Elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            await _nginx.DisposeAsync();
        }
        finally
        {
            await Supervisor.DisposeAsync();
            TempDirectory.Delete(_folder);
        }
    }
}

internal sealed record LoadResult(long Requests, IReadOnlyList<string> Failures, TimeSpan Elapsed)
{
    public override string ToString() =>
        $"{Requests} requests in {Elapsed.TotalSeconds:0.0} s, {Failures.Count} failed" + (Failures.Count > 0 ? ":\n  " + string.Join("\n  ", Failures.Take(20)) : "");
}
