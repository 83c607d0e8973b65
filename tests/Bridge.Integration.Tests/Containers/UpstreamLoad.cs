using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Bridge.Integration.Tests.Containers;

/// <summary>
/// A bounded load of GETs through nginx, in the background: <c>concurrency</c> loops, each on one of the targets
/// (uwsgi, FastCGI...) in turn, alternating <c>/hello</c> and <c>/echo/...</c>, until stopped, past a maximum duration,
/// or after a maximum number of requests per loop. Each answer is counted by target and, where nginx adds
/// <c>X-Upstream: $upstream_addr</c>, by the upstream that answered (the last address: a retried request lists every
/// server tried).
/// Anything but a right 200 is a failure, kept with its time and reason.
/// </summary>
internal sealed class UpstreamLoad : IAsyncDisposable
{
    private const int MaxRequestsPerLoop = 100_000;

    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentDictionary<string, long> _answered = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _loops;
    private long _completed;
    private int _inFlight;

    private UpstreamLoad(HttpClient client, IReadOnlyList<(string Target, Uri BaseAddress)> targets, int concurrency, TimeSpan maxDuration)
    {
        _stop.CancelAfter(maxDuration);
        _loops = Task.WhenAll(Enumerable.Range(0, concurrency).Select(loop => Task.Run(() => LoopAsync(client, targets[loop % targets.Count], loop))));
    }

    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Requests sent and not answered yet: at most one per loop.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public int FailureCount => _failures.Count;

    public static UpstreamLoad Start(HttpClient client, IReadOnlyList<(string Target, Uri BaseAddress)> targets, int concurrency, TimeSpan maxDuration) =>
        new(client, targets, concurrency, maxDuration);

    /// <summary>Answers so far from <paramref name="upstream"/> (ip:port), over every target.</summary>
    public long AnsweredBy(string upstream) => _answered.Where(p => p.Key.EndsWith(" " + upstream, StringComparison.Ordinal)).Sum(p => p.Value);

    public Snapshot Take() => new(Completed, FailureCount, new SortedDictionary<string, long>(_answered, StringComparer.Ordinal), _clock.Elapsed);

    /// <summary>Polls (every 20 ms, bounded) until <paramref name="condition"/> holds; false if the load ended or the time ran out first.</summary>
    public async Task<bool> WaitForAsync(Func<UpstreamLoad, bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition(this))
        {
            if (DateTime.UtcNow > deadline || _loops.IsCompleted)
            {
                return condition(this);
            }

            await Task.Delay(20);
        }

        return true;
    }

    /// <summary>Waits until <paramref name="count"/> more requests have been answered (or failed) than in <paramref name="since"/>.</summary>
    public Task<bool> WaitForMoreAsync(Snapshot since, long count, TimeSpan within) => WaitForAsync(l => l.Completed >= since.Completed + count, within);

    public IReadOnlyList<string> FailuresSince(Snapshot since) => _failures.Skip(since.Failures).ToArray();

    /// <summary>Stops the loops and waits for the requests in flight.</summary>
    public async Task<Snapshot> StopAsync()
    {
        await _stop.CancelAsync();
        await _loops;
        return Take();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task LoopAsync(HttpClient client, (string Target, Uri BaseAddress) target, int loop)
    {
        for (var i = 0; i < MaxRequestsPerLoop && !_stop.IsCancellationRequested; i++)
        {
            var path = i % 2 == 0 ? "/hello" : $"/echo/load/{loop}/{i}";
            Interlocked.Increment(ref _inFlight);
            try
            {
                using var response = await client.GetAsync(new Uri(target.BaseAddress, path), CancellationToken.None);
                var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                var upstream = response.Headers.TryGetValues("X-Upstream", out var values) ? " " + values.Last().Split(", ")[^1] : "";
                if (response.StatusCode != HttpStatusCode.OK || (path == "/hello" && body != "hello world\n"))
                {
                    _failures.Enqueue($"{_clock.Elapsed.TotalSeconds:0.000} s {target.Target} {path}: {(int)response.StatusCode} {body.Trim()} (upstream {string.Join(", ", values ?? [])})");
                }
                else
                {
                    _answered.AddOrUpdate(target.Target + upstream, 1, (_, n) => n + 1);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                _failures.Enqueue($"{_clock.Elapsed.TotalSeconds:0.000} s {target.Target} {path}: {ex.GetType().Name}: {ex.Message}");
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
                Interlocked.Increment(ref _completed);
            }
        }
    }

    /// <summary>The counts at one moment: requests done (answered or failed), failures, answers by "target upstream".</summary>
    internal sealed record Snapshot(long Completed, int Failures, IReadOnlyDictionary<string, long> Answered, TimeSpan At)
    {
        public long AnsweredBy(string upstream) => Answered.Where(p => p.Key.EndsWith(" " + upstream, StringComparison.Ordinal)).Sum(p => p.Value);

        public override string ToString() =>
            $"{Completed} requests, {Failures} failed, at {At.TotalSeconds:0.0} s; answers by target and upstream: " + string.Join(", ", Answered.Select(p => $"{p.Key}={p.Value}"));
    }
}
