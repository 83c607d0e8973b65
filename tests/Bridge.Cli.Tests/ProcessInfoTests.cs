using Bridge.Cli.Stats;

namespace Bridge.Cli.Tests;

public sealed class ProcessInfoTests
{
    [Fact]
    public void Reads_the_resident_memory_and_cpu_time_of_this_process()
    {
        Assert.True(ProcessInfo.TryReadRssBytes(Environment.ProcessId, out var rss));
        Assert.InRange(rss, 1024 * 1024, long.MaxValue);
        Assert.True(ProcessInfo.TryReadCpuSeconds(Environment.ProcessId, out var cpu));
        Assert.InRange(cpu, 0.0, double.MaxValue);
    }

    [Fact]
    public void Returns_false_for_a_process_that_does_not_exist()
    {
        Assert.False(ProcessInfo.TryReadRssBytes(int.MaxValue, out _));
        Assert.False(ProcessInfo.TryReadCpuSeconds(int.MaxValue, out _));
    }
}
