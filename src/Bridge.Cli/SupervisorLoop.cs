using System.Threading.Channels;
using Bridge.Cli.Stats;
using Microsoft.Extensions.Logging;

namespace Bridge.Cli;

/// <summary>
/// Feeds the <see cref="Supervisor"/> its events (worker exits, control datagrams, signals, a one-second tick) through
/// one channel and applies them one at a time under a lock, which the stats endpoint takes too for its snapshots.
/// </summary>
internal sealed class SupervisorLoop
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);

    private readonly Channel<SupervisorEvent> _events = Channel.CreateUnbounded<SupervisorEvent>();
    private readonly Lock _gate = new();
    private readonly RunOptions _options;
    private readonly ControlChannel _control;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Supervisor _supervisor;

    public SupervisorLoop(RunOptions options, ListenerSet listeners, ControlChannel control, TimeProvider time, ILogger logger)
    {
        _options = options;
        _control = control;
        _time = time;
        _logger = logger;
        _supervisor = new Supervisor(options, listeners.Listeners, control.Path, time, logger, e => _events.Writer.TryWrite(e));
    }

    /// <summary>Runs until every worker has stopped; returns the exit code.</summary>
    public async Task<int> RunAsync()
    {
        using var stop = new CancellationTokenSource();
        var receiving = _control.ReceiveAsync(m => _events.Writer.TryWrite(new SupervisorEvent.Message(m)), _logger, stop.Token);
        var ticking = TickAsync(stop.Token);
        using var signals = new Signals(s => _events.Writer.TryWrite(new SupervisorEvent.Signal(s)));
        StatsServer? stats = null;
        try
        {
            if (_options.Stats is { } statsAddress)
            {
                stats = await StatsServer.StartAsync(statsAddress, BuildSnapshot, _logger, stop.Token);
            }

            lock (_gate)
            {
                _supervisor.Start(_time.GetUtcNow());
            }

            await foreach (var item in _events.Reader.ReadAllAsync(CancellationToken.None))
            {
                lock (_gate)
                {
                    _supervisor.Handle(item, _time.GetUtcNow());
                    if (_supervisor.IsFinished)
                    {
                        break;
                    }
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            if (stats is not null)
            {
                await stats.DisposeAsync();
            }

            await receiving;
            await ticking;
        }

        _logger.Stopped(_supervisor.ExitCode);
        return _supervisor.ExitCode;
    }

    // Called from the stats server's threads.
    private SupervisorSnapshot BuildSnapshot()
    {
        lock (_gate)
        {
            return _supervisor.BuildSnapshot(_time.GetUtcNow());
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TickInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                _events.Writer.TryWrite(new SupervisorEvent.Tick());
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }
}
