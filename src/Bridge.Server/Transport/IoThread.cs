namespace Bridge.Server.Transport;

/// <summary>
/// A dedicated thread of an <see cref="AcceptorThreads"/> set: it waits for a connection, then serves it on its own
/// stack for as long as the connection runs synchronously (read, app, write, close with no thread hand-off), as a
/// uWSGI worker does. It may block in a read of the connection it serves; <see cref="Wake"/> interrupts that.
/// </summary>
internal sealed class IoThread
{
    [ThreadStatic]
    private static IoThread? t_current;

    private readonly Lock _wakeLock = new();
    private bool _ended;

    /// <summary>Creates the thread's wake-up descriptor; throws <see cref="NativeException"/> when none can be made.</summary>
    public IoThread(AcceptorThreads owner)
    {
        Owner = owner;
        WakeFd = Native.CreateEventFd();
    }

    /// <summary>The I/O thread running the caller, or null on any other thread.</summary>
    public static IoThread? Current => t_current;

    public AcceptorThreads Owner { get; }

    public int WakeFd { get; }

    /// <summary>Set (under the set's lock) when a parked thread is taken back into service.</summary>
    public bool Unparked { get; set; }

    /// <summary>
    /// Interrupts the thread's wait. Safe at any time: once the thread has ended (and its descriptor is closed, its
    /// number perhaps reused by a new socket) a late call does nothing rather than write into someone else's file.
    /// </summary>
    public void Wake()
    {
        lock (_wakeLock)
        {
            if (!_ended)
            {
                Native.Signal(WakeFd);
            }
        }
    }

    public void Run(Action<IoThread> body)
    {
        t_current = this;
        try
        {
            body(this);
        }
        finally
        {
            t_current = null;
            End();
        }
    }

    /// <summary>Closes the wake-up descriptor (also for a thread that never started).</summary>
    public void End()
    {
        lock (_wakeLock)
        {
            if (!_ended)
            {
                _ended = true;
                Native.Close(WakeFd);
            }
        }
    }
}
