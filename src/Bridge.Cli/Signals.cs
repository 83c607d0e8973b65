using System.Runtime.InteropServices;

namespace Bridge.Cli;

/// <summary>
/// SIGHUP (reload), SIGTERM and SIGINT (graceful stop) as supervisor events. The default action is cancelled, so
/// the runtime does not start its own shutdown: the supervisor stops when its workers have.
/// </summary>
internal sealed class Signals : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;

    public Signals(Action<PosixSignal> onSignal)
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
        ];

        void Handle(PosixSignalContext context)
        {
            context.Cancel = true;
            onSignal(context.Signal);
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
