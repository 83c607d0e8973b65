using System.Globalization;

namespace Bridge.Cli.Stats;

/// <summary>Resident memory and CPU time of a process, from <c>/proc</c> (proc_pid_status(5), proc_pid_stat(5)).</summary>
internal static class ProcessInfo
{
    // USER_HZ: the unit of utime/stime in /proc/PID/stat; 100 on every Linux ABI .NET runs on.
    private const double ClockTicksPerSecond = 100;

    // The fields after "comm)" start at field 3 (state); utime and stime are fields 14 and 15.
    private const int UserTimeIndex = 14 - 3;
    private const int SystemTimeIndex = 15 - 3;

    /// <summary>VmRSS of /proc/PID/status ("VmRSS:    12345 kB"); false if the process is gone or has none.</summary>
    public static bool TryReadRssBytes(int pid, out long bytes)
    {
        bytes = 0;
        try
        {
            foreach (var line in File.ReadLines("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    continue;
                }

                var parts = line.AsSpan("VmRSS:".Length).Trim();
                var space = parts.IndexOf(' ');
                var number = space < 0 ? parts : parts[..space];
                if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var kilobytes))
                {
                    return false;
                }

                bytes = kilobytes * 1024;
                return true;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return false;
    }

    /// <summary>utime + stime of /proc/PID/stat, in seconds; false if the process is gone.</summary>
    public static bool TryReadCpuSeconds(int pid, out double seconds)
    {
        seconds = 0;
        string text;
        try
        {
            text = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        // comm may hold spaces and parentheses: the fields start after the last ')'.
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return false;
        }

        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length <= SystemTimeIndex
            || !long.TryParse(fields[UserTimeIndex], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
            || !long.TryParse(fields[SystemTimeIndex], NumberStyles.None, CultureInfo.InvariantCulture, out var system))
        {
            return false;
        }

        seconds = (user + system) / ClockTicksPerSecond;
        return true;
    }
}
