namespace Bridge.Server.Transport;

/// <summary>
/// A few descriptors held in reserve (<c>/dev/null</c>, opened at start) against running out. When an I/O thread
/// meets EMFILE or ENFILE, the reserve is let go, so the runtime can still start the threads it needs (it aborts the
/// process when it cannot), and the listeners stop accepting; they accept again once the reserve could be taken back,
/// that is once connections have closed and descriptors are free again. The classic accept(2) EMFILE remedy.
/// </summary>
internal sealed class DescriptorReserve : IDisposable
{
    public const int Size = 32;

    private readonly Lock _lock = new();
    private readonly List<SafeFileHandleHolder> _held = [];
    private volatile bool _released;

    /// <summary>True while the reserve is let go: nothing may take new descriptors for connections.</summary>
    public bool UnderPressure => _released;

    /// <summary>Opens the reserve; fewer than <see cref="Size"/> if descriptors are short already.</summary>
    public void Fill()
    {
        lock (_lock)
        {
            while (_held.Count < Size && SafeFileHandleHolder.TryOpen() is { } handle)
            {
                _held.Add(handle);
            }
        }
    }

    /// <summary>Out of descriptors: lets the reserve go. True when this call let it go (the first since it was taken back).</summary>
    public bool Release()
    {
        lock (_lock)
        {
            if (_released)
            {
                return false;
            }

            _released = true;
            foreach (var handle in _held)
            {
                handle.Dispose();
            }

            _held.Clear();
            return true;
        }
    }

    /// <summary>
    /// Takes the reserve back if descriptors allow; true when it is whole (accepting may go on).
    /// <paramref name="restoredNow"/> is true for the one call that ended a shortage.
    /// </summary>
    public bool TryRestore(out bool restoredNow)
    {
        restoredNow = false;
        if (!_released)
        {
            return true;
        }

        lock (_lock)
        {
            if (!_released)
            {
                return true;
            }

            // Whole again only with as many free besides: else accepting would run straight back into the limit.
            Fill();
            var probe = new List<SafeFileHandleHolder>(Size);
            while (_held.Count == Size && probe.Count < Size && SafeFileHandleHolder.TryOpen() is { } extra)
            {
                probe.Add(extra);
            }

            var headroom = probe.Count == Size;
            foreach (var handle in probe)
            {
                handle.Dispose();
            }

            if (!headroom)
            {
                foreach (var handle in _held)
                {
                    handle.Dispose(); // still short: the runtime keeps what the reserve would hold
                }

                _held.Clear();
                return false;
            }

            _released = false;
            restoredNow = true;
            return true;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var handle in _held)
            {
                handle.Dispose();
            }

            _held.Clear();
        }
    }

    private sealed class SafeFileHandleHolder : IDisposable
    {
        private readonly FileStream _stream;

        private SafeFileHandleHolder(FileStream stream) => _stream = stream;

        public static SafeFileHandleHolder? TryOpen()
        {
            try
            {
                return new SafeFileHandleHolder(new FileStream("/dev/null", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0));
            }
            catch (IOException)
            {
                return null; // EMFILE/ENFILE: descriptors are short right now
            }
        }

        public void Dispose() => _stream.Dispose();
    }
}
