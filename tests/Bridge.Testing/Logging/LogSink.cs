using System.Collections.Concurrent;
using Bridge.Testing.FrontEnd;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Bridge.Testing.Logging;

/// <summary>Keeps every log line in memory, at every level, so tests can assert on event ids.</summary>
public sealed class LogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    // Completed (and replaced) each time a line is logged: a waiter wakes on the line itself, not on a poll.
    private TaskCompletionSource _logged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public ILoggerFactory CreateFactory() => LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Trace).AddProvider(this));

    public ILogger CreateLogger(string categoryName) => new SinkLogger(this, categoryName);

    public int Count(int eventId) => _entries.Count(e => e.EventId == eventId);

    public bool Has(int eventId) => Count(eventId) > 0;

    /// <summary>Waits until a line with <paramref name="eventId"/> is logged; fails after the timeout.</summary>
    public async Task<LogEntry> WaitForAsync(int eventId, TimeSpan? timeout = null)
        => (await WaitForCountAsync(eventId, 1, timeout))[0];

    /// <summary>Waits until at least <paramref name="count"/> lines with <paramref name="eventId"/> are logged; returns them all.</summary>
    public Task<List<LogEntry>> WaitForCountAsync(int eventId, int count, TimeSpan? timeout = null)
        => WaitUntilAsync(() => _entries.Where(e => e.EventId == eventId).ToList() is var found && found.Count >= count ? found : null, timeout, $"{count} log line(s) with event id {eventId}");

    /// <summary>
    /// Waits until <paramref name="probe"/> returns a value, evaluating it once now and again each time a line is
    /// logged; fails after the timeout, naming <paramref name="what"/>.
    /// </summary>
    public async Task<T> WaitUntilAsync<T>(Func<T?> probe, TimeSpan? timeout, string what)
        where T : class
    {
        var limit = timeout ?? Wire.Timeout;
        using var cts = new CancellationTokenSource(limit);
        while (true)
        {
            var logged = Volatile.Read(ref _logged).Task; // read before probing: a line logged in between still wakes us
            if (probe() is { } value)
            {
                return value;
            }

            try
            {
                await logged.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"No {what} within {limit}. Logged:\n{Describe()}");
                throw;
            }
        }
    }

    public string Describe() => string.Join("\n", _entries.Select(e => $"[{e.EventId} {e.Level}] {e.Message}{(e.Exception is null ? "" : "\n  " + e.Exception)}"));

    public void Dispose()
    {
    }

    private void Add(LogEntry entry)
    {
        _entries.Enqueue(entry);
        Interlocked.Exchange(ref _logged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private sealed class SinkLogger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => sink.Add(new LogEntry(category, logLevel, eventId.Id, formatter(state, exception), exception));
    }
}
