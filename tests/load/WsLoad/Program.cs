using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;

// WsLoad echo URL CONNECTIONS SECONDS WARMUP SIZE: each connection sends a SIZE-byte binary message and waits for
// its echo, again and again, for WARMUP + SECONDS seconds (at most 10 million messages each); the SECONDS part is
// measured. Prints one line: WSLOAD messages=... seconds=... rate=... p50_us=... p99_us=... errors=...
// WsLoad hold URL COUNT PID: opens COUNT WebSockets, checks that each echoes, reads PID's Threads and VmRSS with all
// open (and before opening them), checks them again, closes them. Prints: WSHOLD count=... threads_before=...
// rss_before_kb=... threads=... rss_kb=... errors=...
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: WsLoad echo URL CONNECTIONS SECONDS WARMUP SIZE | WsLoad hold URL COUNT PID");
    return 2;
}

var url = new Uri(args[1]);
return args[0] switch
{
    "echo" => await EchoAsync(url, Int(args[2]), Int(args[3]), Int(args[4]), Int(args[5])),
    "hold" => await HoldAsync(url, Int(args[2]), Int(args[3])),
    _ => 2,
};

static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

static async Task<int> EchoAsync(Uri url, int connections, int seconds, int warmup, int size)
{
    const int MaxMessages = 10_000_000;
    var sockets = await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => ConnectAsync(url)));
    var started = Stopwatch.GetTimestamp();
    var measureFrom = started + (long)(warmup * (double)Stopwatch.Frequency);
    var end = measureFrom + (long)(seconds * (double)Stopwatch.Frequency);
    var latencies = new List<long>[connections];
    var errors = 0;
    await Task.WhenAll(sockets.Select((socket, index) => Task.Run(async () =>
    {
        var payload = new byte[size];
        var buffer = new byte[Math.Max(size, 1024)];
        var mine = latencies[index] = new List<long>(100_000);
        try
        {
            for (var i = 0; i < MaxMessages; i++)
            {
                var sent = Stopwatch.GetTimestamp();
                if (sent >= end)
                {
                    break;
                }

                await socket.SendAsync(payload, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
                var received = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(received), CancellationToken.None);
                    received += result.Count;
                }
                while (!result.EndOfMessage);

                if (received != size)
                {
                    Interlocked.Increment(ref errors);
                }
                else if (sent >= measureFrom)
                {
                    mine.Add(Stopwatch.GetTimestamp() - sent);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException)
        {
            Interlocked.Increment(ref errors);
        }
    })));

    await Task.WhenAll(sockets.Select(CloseAsync));
    var all = latencies.SelectMany(l => l).Order().ToArray();
    var rate = all.Length / (double)seconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"WSLOAD messages={all.Length} seconds={seconds} rate={rate:0} p50_us={Micro(all, 0.50):0} p99_us={Micro(all, 0.99):0} errors={errors}"));
    return errors == 0 ? 0 : 1;
}

static async Task<int> HoldAsync(Uri url, int count, int pid)
{
    var threadsBefore = Status(pid, "Threads");
    var rssBefore = Status(pid, "VmRSS");
    var sockets = new List<ClientWebSocket>(count);
    for (var i = 0; i < count; i += 20)
    {
        sockets.AddRange(await Task.WhenAll(Enumerable.Range(0, Math.Min(20, count - i)).Select(_ => ConnectAsync(url))));
    }

    var errors = (await Task.WhenAll(sockets.Select(RoundTripAsync))).Count(ok => !ok);
    var threads = Status(pid, "Threads");
    var rss = Status(pid, "VmRSS");
    errors += (await Task.WhenAll(sockets.Select(RoundTripAsync))).Count(ok => !ok);
    await Task.WhenAll(sockets.Select(CloseAsync));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"WSHOLD count={count} threads_before={threadsBefore} rss_before_kb={rssBefore} threads={threads} rss_kb={rss} errors={errors}"));
    return errors == 0 ? 0 : 1;
}

static async Task<ClientWebSocket> ConnectAsync(Uri url)
{
    var socket = new ClientWebSocket();
    socket.Options.KeepAliveInterval = TimeSpan.Zero; // the load is the only traffic
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    await socket.ConnectAsync(url, timeout.Token);
    return socket;
}

static async Task<bool> RoundTripAsync(ClientWebSocket socket)
{
    try
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var message = "held open"u8.ToArray();
        await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        var buffer = new byte[64];
        var result = await socket.ReceiveAsync(buffer.AsMemory(), timeout.Token);
        return result.EndOfMessage && buffer.AsSpan(0, result.Count).SequenceEqual(message);
    }
    catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
    {
        return false;
    }
}

static async Task CloseAsync(ClientWebSocket socket)
{
    try
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
    }
    catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
    {
    }
    finally
    {
        socket.Dispose();
    }
}

static double Micro(long[] sorted, double quantile)
    => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * quantile))] * 1_000_000.0 / Stopwatch.Frequency;

static long Status(int pid, string field)
{
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith(field + ":", StringComparison.Ordinal))
        {
            return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
    }

    return -1;
}
