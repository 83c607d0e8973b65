using Microsoft.Extensions.Logging;

namespace Bridge.AspNetCore.Tests.Infrastructure;

/// <summary>One captured log line.</summary>
internal sealed record LogEntry(string Category, LogLevel Level, int EventId, string Message, Exception? Exception);
