namespace Bridge.Samples.AspNetCore;

/// <summary>How many requests saw <c>HttpContext.RequestAborted</c> fire (GET /api/aborts): proof that an abort reaches the app.</summary>
internal static class RequestAborts
{
    private static int _count;

    public static int Count => Volatile.Read(ref _count);

    public static void Increment() => Interlocked.Increment(ref _count);
}
