using Bridge.Server.Metrics;

namespace Bridge.Cli.Tests;

public sealed class ServerStatisticsTests
{
    [Fact]
    public void Counts_requests_in_flight_time_and_the_oldest_request()
    {
        var time = new SteppedTime();
        var statistics = new ServerStatistics(time);
        Assert.Equal(0, statistics.OldestInFlightMs());

        var firstStart = time.GetTimestamp();
        var first = statistics.BeginRequest(firstStart);
        time.Advance(TimeSpan.FromMilliseconds(30));
        var secondStart = time.GetTimestamp();
        var second = statistics.BeginRequest(secondStart);
        time.Advance(TimeSpan.FromMilliseconds(20));

        Assert.Equal(2, statistics.InFlight);
        Assert.Equal(50, statistics.OldestInFlightMs(), 3);

        statistics.EndRequest(first, time.GetTimestamp() - firstStart);
        Assert.Equal(1, statistics.Requests);
        Assert.Equal(1, statistics.InFlight);
        Assert.Equal(20, statistics.OldestInFlightMs(), 3);
        Assert.Equal(50, statistics.RequestTimeMsTotal, 3);

        statistics.CountException();
        statistics.EndRequest(second, time.GetTimestamp() - secondStart);
        Assert.Equal(2, statistics.Requests);
        Assert.Equal(0, statistics.InFlight);
        Assert.Equal(1, statistics.Exceptions);
        Assert.Equal(70, statistics.RequestTimeMsTotal, 3);
        Assert.Equal(0, statistics.OldestInFlightMs());
    }

    [Fact]
    public void An_upgraded_request_is_complete_at_its_101_and_its_tunnel_counts_until_it_ends()
    {
        var time = new SteppedTime();
        var statistics = new ServerStatistics(time);
        var start = time.GetTimestamp();
        var slot = statistics.BeginRequest(start);
        time.Advance(TimeSpan.FromMilliseconds(5));

        statistics.Upgrade(slot, time.GetTimestamp() - start);
        time.Advance(TimeSpan.FromHours(2)); // a WebSocket open for hours

        Assert.Equal(1, statistics.Upgraded);
        Assert.Equal(0, statistics.InFlight);
        Assert.Equal(1, statistics.Requests);
        Assert.Equal(5, statistics.RequestTimeMsTotal, 3); // the handshake, not the tunnel
        Assert.Equal(0, statistics.OldestInFlightMs()); // nothing looks stuck to harakiri

        statistics.EndUpgrade();
        Assert.Equal(0, statistics.Upgraded);
        Assert.Equal(1, statistics.Requests);
    }

    [Fact]
    public void Counts_requests_beyond_the_tracked_slots()
    {
        var time = new SteppedTime();
        var statistics = new ServerStatistics(time);
        var slots = Enumerable.Range(0, 2000).Select(_ => statistics.BeginRequest(time.GetTimestamp())).ToArray();
        Assert.Equal(2000, statistics.InFlight);
        Assert.Contains(-1, slots);
        foreach (var slot in slots)
        {
            statistics.EndRequest(slot, 0);
        }

        Assert.Equal(2000, statistics.Requests);
        Assert.Equal(0, statistics.InFlight);
        Assert.Equal(0, statistics.OldestInFlightMs());
    }
}

/// <summary>A clock that moves only when told (timestamps in ticks of 100 ns).</summary>
internal sealed class SteppedTime : TimeProvider
{
    private long _now = TimeSpan.TicksPerDay;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _now);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _now, by.Ticks);
}
