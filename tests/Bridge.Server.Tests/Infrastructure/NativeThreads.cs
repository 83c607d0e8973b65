namespace Bridge.Server.Tests.Infrastructure;

/// <summary>
/// Linux: the scheduler state of this process's threads, found by the name a test gave them (/proc/self/task/*/comm,
/// which holds the first 15 characters of a .NET thread's Name). A thread waiting in a system call (poll, epoll, a
/// futex) is in state S; one that runs, R. This is how a test waits until threads it cannot otherwise observe have
/// settled, e.g. blocked in a read or parked, instead of sleeping and hoping they have.
/// </summary>
internal static class NativeThreads
{
    private const int NameLength = 15;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);

    /// <summary>A thread name no other test uses, short enough to be kept whole by the kernel.</summary>
    public static string UniqueName(string prefix) => (prefix + "-" + Guid.NewGuid().ToString("N"))[..NameLength];

    /// <summary>
    /// Waits until at least <paramref name="atLeast"/> threads are named <paramref name="name"/> and every one of them is
    /// blocked (state S or D), polling until <paramref name="timeout"/>; fails with their states otherwise.
    /// </summary>
    public static async Task WaitUntilAllBlockedAsync(string name, int atLeast, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var states = States(name);
            if (states.Count >= atLeast && states.All(s => s is 'S' or 'D'))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Threads named '{name}' did not all block within {timeout}: states [{string.Join(", ", states)}], wanted at least {atLeast}.");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>The state letter of each live thread named <paramref name="name"/>.</summary>
    public static List<char> States(string name)
    {
        var states = new List<char>();
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') != name[..Math.Min(name.Length, NameLength)])
                {
                    continue;
                }

                // "tid (comm) S ...": the state follows the last ')' (a name may hold spaces and parentheses).
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                states.Add(stat[(stat.LastIndexOf(')') + 2)..][0]);
            }
            catch (IOException)
            {
                // The thread ended while being read.
            }
        }

        return states;
    }
}
