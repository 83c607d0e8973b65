using System.Diagnostics;
using System.Globalization;

namespace Bridge.Cli;

/// <summary>Builds a worker's start info: the app command, inherited stdout/stderr, and the environment of the contract.</summary>
internal sealed class WorkerLauncher(RunOptions options, IReadOnlyList<Listener> listeners, string controlSocketPath)
{
    // Meant for the supervisor only: a worker must not notify systemd or take the activated fds for its own.
    private static readonly string[] RemovedVariables = ["NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"];

    public ProcessStartInfo Create(int slot, int generation)
    {
        var startInfo = new ProcessStartInfo(options.Command[0]) { UseShellExecute = false };
        foreach (var argument in options.Command.Skip(1))
        {
            startInfo.ArgumentList.Add(argument);
        }

        var environment = startInfo.Environment;
        foreach (var key in environment.Keys.ToList())
        {
            if (RemovedVariables.Contains(key) || key.StartsWith("Bridge__Listeners__", StringComparison.OrdinalIgnoreCase))
            {
                environment.Remove(key);
            }
        }

        for (var i = 0; i < listeners.Count; i++)
        {
            var prefix = "Bridge__Listeners__" + i.ToString(CultureInfo.InvariantCulture) + "__";
            environment[prefix + "Address"] = "fd:" + listeners[i].FileDescriptor.ToString(CultureInfo.InvariantCulture);
            environment[prefix + "Protocol"] = listeners[i].ProtocolName;
            // The worker calls listen(2) again on the inherited socket; keep the supervisor's backlog.
            environment[prefix + "Backlog"] = listeners[i].Backlog.ToString(CultureInfo.InvariantCulture);
        }

        environment["BRIDGE_SUPERVISOR_SOCKET"] = controlSocketPath;
        environment["BRIDGE_WORKER_ID"] = slot.ToString(CultureInfo.InvariantCulture);
        environment["BRIDGE_WORKER_GENERATION"] = generation.ToString(CultureInfo.InvariantCulture);
        return startInfo;
    }

    /// <summary>max-requests plus a random jitter in [0, max-requests-jitter], drawn once per worker.</summary>
    public long? RequestLimit() =>
        options.MaxRequests is { } max ? max + Random.Shared.Next(0, options.MaxRequestsJitter + 1) : null;
}
