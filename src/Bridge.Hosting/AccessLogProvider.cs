using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Bridge.Server.Logging;
using Microsoft.Extensions.Logging;

namespace Bridge.Hosting;

/// <summary>
/// The default sink of Bridge's access log (category <c>Bridge.Server.Access</c>), on standard output, one line per
/// request: <c>2026-12-03T17:58:55.123Z GET /hello 200 12 0.412ms uwsgi</c>. It is an ordinary logging provider
/// (alias <c>BridgeAccessLog</c>), so the category is routed and filtered as any other; what makes it cheap is that
/// the request's thread only queues the entry: one thread formats the lines into a pooled buffer and writes them in
/// batches (each write whole lines, at most 4 KiB, so no line is ever torn by another writer). The console
/// provider would format each line on the request's thread and write it with its own system call. Lines are never
/// dropped: the queue is drained when the provider is disposed (at the host's end).
/// </summary>
[ProviderAlias("BridgeAccessLog")]
public sealed class AccessLogProvider : ILoggerProvider
{
    /// <summary>The category this provider writes.</summary>
    public const string Category = "Bridge.Server.Access";

    private const int MaxWrite = 4096; // PIPE_BUF: a write of whole lines no larger is never split

    private readonly Stream _output;
    private readonly byte[] _prefix;
    private readonly ConcurrentQueue<AccessLogEntry> _queue = new();
    private readonly ManualResetEventSlim _signal = new(initialState: false);
    private readonly Thread _writer;
    private readonly byte[] _buffer = new byte[MaxWrite];
    private int _signalled;
    private volatile bool _disposed;

    /// <summary>Writes to standard output; under <c>dotnet-bridge run</c> each line starts with <c>[worker N pid P]</c>.</summary>
    public AccessLogProvider()
        : this(Console.OpenStandardOutput(), WorkerPrefix())
    {
    }

    /// <summary>Writes to <paramref name="output"/>, each line after <paramref name="prefix"/>.</summary>
    public AccessLogProvider(Stream output, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(prefix);
        _output = output;
        _prefix = Encoding.UTF8.GetBytes(prefix);
        _writer = new Thread(Run) { IsBackground = true, Name = "Bridge access log" };
        _writer.UnsafeStart();
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => categoryName == Category ? new AccessLogger(this) : NullAccessLogger.Instance;

    /// <summary>Writes what is queued, then stops.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _signal.Set();
        _writer.Join(TimeSpan.FromSeconds(5));
        _signal.Dispose();
    }

    private static string WorkerPrefix()
        => Environment.GetEnvironmentVariable(WorkerLogFormatter.WorkerIdVariable) is { Length: > 0 } worker
            ? $"[worker {worker} pid {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}] "
            : "";

    private void Enqueue(in AccessLogEntry entry)
    {
        _queue.Enqueue(entry);
        if (Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            _signal.Set(); // one wake-up per burst, not per line
        }
    }

    private void Run()
    {
        while (true)
        {
            _signal.Wait();
            _signal.Reset();
            Volatile.Write(ref _signalled, 0); // before draining: an entry queued from now on signals again
            var length = 0;
            while (_queue.TryDequeue(out var entry))
            {
                length = Append(entry, length);
            }

            Flush(length);
            if (_disposed && _queue.IsEmpty)
            {
                return;
            }
        }
    }

    // Adds one line, writing out the buffer first if it would not fit; returns the new length.
    private int Append(in AccessLogEntry entry, int length)
    {
        Span<byte> line = stackalloc byte[MaxWrite];
        _prefix.CopyTo(line);
        var written = _prefix.Length + Format(entry, line[_prefix.Length..]);
        if (length + written > _buffer.Length)
        {
            Flush(length);
            length = 0;
        }

        line[..written].CopyTo(_buffer.AsSpan(length));
        return length + written;
    }

    private void Flush(int length)
    {
        if (length == 0)
        {
            return;
        }

        try
        {
            _output.Write(_buffer, 0, length);
            _output.Flush();
        }
        catch (IOException)
        {
            // Standard output closed (the process's reader is gone): nothing else to do with the lines.
        }
    }

    // ISO 8601 UTC time, then the message; a line too long for one write is cut to fit, with "..." at its end.
    private static int Format(in AccessLogEntry entry, Span<byte> line)
    {
        var text = new Utf8Builder(line[..^1]);
        text.Append(DateTime.UtcNow, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
        text.Append(' ');
        text.Append(entry.Method);
        text.Append(' ');
        text.Append(entry.Target);
        text.Append(' ');
        text.Append(entry.StatusCode);
        text.Append(' ');
        text.Append(entry.Bytes);
        text.Append(' ');
        text.Append(entry.DurationMs, "0.000");
        text.Append("ms ");
        text.Append(entry.Gateway);
        var length = text.Length;
        line[length] = (byte)'\n';
        return length + 1;
    }

    private ref struct Utf8Builder(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;

        public int Length { get; private set; }

        public void Append(char value)
        {
            if (Length < _destination.Length)
            {
                _destination[Length++] = (byte)value; // ASCII only: the separators
            }
        }

        public void Append(ReadOnlySpan<char> value)
        {
            var room = _destination[Length..];
            if (Encoding.UTF8.GetMaxByteCount(value.Length) <= room.Length || Encoding.UTF8.GetByteCount(value) <= room.Length)
            {
                Length += Encoding.UTF8.GetBytes(value, room);
                return;
            }

            // Longer than a write: cut (a target of kilobytes), marked.
            var cut = Math.Max(0, room.Length - 3);
            while (cut > 0 && Encoding.UTF8.GetByteCount(value[..Math.Min(value.Length, cut)]) > room.Length - 3)
            {
                cut--;
            }

            Length += Encoding.UTF8.GetBytes(value[..Math.Min(value.Length, cut)], room);
            Length += Encoding.UTF8.GetBytes("...", _destination[Length..]);
        }

        public void Append<T>(T value, string? format = null)
            where T : IUtf8SpanFormattable
        {
            if (value.TryFormat(_destination[Length..], out var written, format, CultureInfo.InvariantCulture))
            {
                Length += written;
            }
        }
    }

    private sealed class AccessLogger(AccessLogProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel) || provider._disposed)
            {
                return;
            }

            if (typeof(TState) == typeof(AccessLogEntry))
            {
                provider.Enqueue(Unsafe.As<TState, AccessLogEntry>(ref state)); // no boxing, no string: the writer formats
            }
        }
    }

    private sealed class NullAccessLogger : ILogger
    {
        public static readonly NullAccessLogger Instance = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => false;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}
