using Microsoft.Extensions.Logging;

namespace Bridge.Testing.Logging;

/// <summary>One captured log line.</summary>
public sealed record LogEntry(string Category, LogLevel Level, int EventId, string Message, Exception? Exception);
