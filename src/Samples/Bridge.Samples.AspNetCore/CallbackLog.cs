namespace Bridge.Samples.AspNetCore;

/// <summary>
/// The order in which the last GET /api/callbacks ran its handler and its Response.OnStarting / OnCompleted
/// callbacks (GET /api/callbacks/log). On Kestrel: handler, OnStarting 2, OnStarting 1, handler end,
/// OnCompleted 2, OnCompleted 1 (callbacks run last registered first).
/// </summary>
internal static class CallbackLog
{
    private static readonly Lock Gate = new();
    private static readonly List<string> Entries = [];

    public static void Clear()
    {
        lock (Gate)
        {
            Entries.Clear();
        }
    }

    public static void Add(string entry)
    {
        lock (Gate)
        {
            Entries.Add(entry);
        }
    }

    public static string[] Snapshot()
    {
        lock (Gate)
        {
            return [.. Entries];
        }
    }
}
