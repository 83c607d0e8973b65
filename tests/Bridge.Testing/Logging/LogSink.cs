using System.Collections.Concurrent;
using Bridge.Testing.FrontEnd;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Bridge.Testing.Logging;

/// <summary>Keeps every log line in memory, at every level, so tests can assert on event ids.</summary>
public sealed class LogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public ILoggerFactory CreateFactory() => LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Trace).AddProvider(this));

    public ILogger CreateLogger(string categoryName) => new SinkLogger(this, categoryName);

    public int Count(int eventId) => _entries.Count(e => e.EventId == eventId);

    public bool Has(int eventId) => Count(eventId) > 0;

    /// <summary>Waits until a line with <paramref name="eventId"/> is logged; fails after the timeout.</summary>
    public async Task<LogEntry> WaitForAsync(int eventId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Wire.Timeout);
        while (true)
        {
            var entry = _entries.FirstOrDefault(e => e.EventId == eventId);
            if (entry is not null)
            {
                return entry;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"No log line with event id {eventId} within the timeout. Logged: {Describe()}");
            }

            await Task.Delay(10);
        }
    }

    public string Describe() => string.Join("\n", _entries.Select(e => $"[{e.EventId} {e.Level}] {e.Message}{(e.Exception is null ? "" : "\n  " + e.Exception)}"));

    public void Dispose()
    {
    }

    private sealed class SinkLogger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => sink._entries.Enqueue(new LogEntry(category, logLevel, eventId.Id, formatter(state, exception), exception));
    }
}
