using System.Net.Sockets;
using Bridge.Protocol;
using Bridge.Server.Logging;
using Bridge.Server.Options;
using Bridge.Server.Transport;

namespace Bridge.Server.Connections;

/// <summary>
/// One accepted connection: finds out what it speaks, hands it to the protocol's processor, enforces its
/// timeouts and data rates when the heartbeat ticks, and tears it down. Run inline by the I/O thread that accepted it.
/// </summary>
/// <remarks>
/// Ownership: the connection owns its socket, its two buffers and, while it runs, a pooled processor. The
/// processor returns only when every request on the connection has finished its response; then the socket is
/// closed, and the buffers and the processor go back to their pools if the processor says nothing can still reach
/// them (no app abandoned at its deadline still runs). Otherwise they are left to the garbage collector.
/// </remarks>
internal sealed class BridgeConnection
{
    private const long Never = long.MaxValue;
    private static readonly TimeSpan LingerTimeout = TimeSpan.FromSeconds(2);

    private readonly ServerContext _server;
    private readonly ConnectionManager _manager;
    private long _headDeadline = Never;
    private long _idleDeadline = Never;
    private long _bodyReadSince;   // the body read under way started waiting (0: none)
    private long _bodyReadTicks;   // time the current body's reads have waited so far
    private long _bodyBytesBase;   // bytes received when the current body began
    private volatile bool _stopRequested;
    private volatile bool _upgraded;
    private string? _id;

    public BridgeConnection(long number, SocketConnection transport, ListenerInfo listener, ServerContext server, ConnectionManager manager)
    {
        Number = number;
        Transport = transport;
        Listener = listener;
        _server = server;
        _manager = manager;
    }

    public long Number { get; }

    /// <summary>The id in logs; made on first use, as most connections never log.</summary>
    public string Id => _id ??= ConnectionIds.Format(Number);

    public SocketConnection Transport { get; }

    public SocketReader Input => Transport.Input;

    public SocketWriter Output => Transport.Output;

    public ListenerInfo Listener { get; }

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool StopRequested => _stopRequested;

    /// <summary>Visited by the heartbeat: the request(s) whose per-request deadline it checks.</summary>
    public IConnectionRequests? Requests { get; set; }

    public void StartHeadTimer() => Volatile.Write(ref _headDeadline, _server.Time.GetTimestamp() + _server.HeadTimeoutTicks);

    public void StopHeadTimer() => Volatile.Write(ref _headDeadline, Never);

    public void StartIdleTimer() => Volatile.Write(ref _idleDeadline, _server.Time.GetTimestamp() + _server.KeepAliveTicks);

    public void StopIdleTimer() => Volatile.Write(ref _idleDeadline, Never);

    /// <summary>A request body begins: its data rate is measured from here.</summary>
    public void BodyStarted()
    {
        Volatile.Write(ref _bodyReadTicks, 0);
        Volatile.Write(ref _bodyBytesBase, Input.BytesReceived);
    }

    /// <summary>A body read waits for bytes (the app's, the drain's, or FastCGI STDIN for a running request).</summary>
    public void BodyReadStarted() => Volatile.Write(ref _bodyReadSince, Math.Max(1, _server.Time.GetTimestamp()));

    public void BodyReadEnded()
    {
        var since = Interlocked.Exchange(ref _bodyReadSince, 0);
        if (since != 0)
        {
            Interlocked.Add(ref _bodyReadTicks, _server.Time.GetTimestamp() - since);
        }
    }

    /// <summary>
    /// The request was upgraded (a 101): the connection is a tunnel from now on. No body-read or data-rate check
    /// applies to it (an idle WebSocket is no stalled body, and a WebSocket that waits for its client to read is the
    /// app's backpressure; nginx's send_timeout cuts a client that stops reading), and it leaves its I/O thread:
    /// the tunnel's reads wait for readiness on the server's event thread, never blocked on a dedicated one.
    /// </summary>
    public void OnUpgraded()
    {
        BodyReadEnded();
        _upgraded = true;
        Transport.Owner = null;
    }

    /// <summary>Graceful stop: finish what is in flight, take no new request on this connection.</summary>
    public void RequestStop()
    {
        _stopRequested = true;
        if (Volatile.Read(ref _idleDeadline) != Never)
        {
            Input.CancelPendingRead(); // idle between kept-alive requests: close now
        }
    }

    /// <summary>Cuts the connection; the requests on it see RequestAborted first.</summary>
    public void Abort(string reason)
    {
        Requests?.CancelAll();
        Transport.Abort(reason);
    }

    public void OnHeartbeat(long now)
    {
        if (now >= Volatile.Read(ref _headDeadline))
        {
            StopHeadTimer();
            _server.ConnectionLogger.HeadTimeout(Id);
            Abort("The request head did not arrive in time.");
        }

        CheckBodyRead(now);
        CheckResponseRate(now);
        if (now >= Volatile.Read(ref _idleDeadline))
        {
            StopIdleTimer();
            _server.ConnectionLogger.KeepAliveExpired(Id);
            Abort("The kept-alive connection was idle too long.");
        }

        Requests?.CheckDeadlines(now);
    }

    /// <summary>Serves the connection to its end; runs synchronously for as long as its I/O completes at once.</summary>
    public async Task RunAsync()
    {
        IConnectionProcessor? processor = null;
        var reusable = false;
        try
        {
            _server.ConnectionLogger.ConnectionAccepted(Id, Listener.Name, Transport.RemoteEndPoint); // formatted only when Debug is on
            StartHeadTimer();
            var detected = await DetectAsync().ConfigureAwait(false);
            switch (detected)
            {
                case DetectedProtocol.Uwsgi:
                    processor = _manager.UwsgiProcessors.Rent();
                    await processor.ProcessAsync(this).ConfigureAwait(false);
                    break;
                case DetectedProtocol.FastCgi:
                    processor = _manager.FastCgiProcessors.Rent();
                    await processor.ProcessAsync(this).ConfigureAwait(false);
                    break;
                case DetectedProtocol.Http:
                    _server.ConnectionLogger.PlainHttpReceived(Id, Listener.Name);
                    await Output.WriteAsync(PlainHttpAnswer.For(Listener.Protocol)).ConfigureAwait(false);
                    break;
                case DetectedProtocol.Tls:
                    _server.ConnectionLogger.TlsReceived(Id, Listener.Name);
                    break;
            }

            reusable = processor?.IsReusable ?? true;
        }
        catch (GatewayProtocolException ex)
        {
            _server.ProtocolLogger.Rejected(Id, "request", ex.Reason, ex.Message);
            reusable = processor?.IsReusable ?? true;
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            _server.ConnectionLogger.FrontEndGone(Id, ex.Message);
            reusable = processor?.IsReusable ?? true;
        }
        catch (Exception ex)
        {
            _server.ConnectionLogger.ConnectionFailed(Id, ex); // state unknown: nothing of it is reused
        }
        finally
        {
            await CloseAsync(processor, reusable).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A close after an answer the front end may still be sending to (FastCGI STDIN after an early END_REQUEST):
    /// the write side is shut (the front end sees the end), then what it still sends is read and dropped until it
    /// closes too, for at most 2 s or 1 MiB; closing with bytes unread would reset the connection under the answer.
    /// Only the front end's close, the time or the byte limit ends it: a canceled read is not an end (the read loop
    /// may leave with a CancelPendingRead still pending, as after a synchronous app's END_REQUEST; ending the linger
    /// there closed the connection under Apache's empty STDIN, which mod_proxy_fcgi sends in a write of its own).
    /// </summary>
    public async Task LingerAsync()
    {
        const long MaxBytes = 1024 * 1024;
        try
        {
            Transport.Socket.Shutdown(SocketShutdown.Send);
            using var timeout = new CancellationTokenSource(LingerTimeout, _server.Time);
            long dropped = 0;
            while (dropped < MaxBytes)
            {
                var result = await Input.ReadAsync(timeout.Token).ConfigureAwait(false);
                dropped += result.Buffer.Length;
                Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            // Timed out, reset, or already closed: the close goes ahead.
        }
    }

    public static bool IsTransportError(Exception ex)
        => ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException;

    // Examines the first bytes and consumes none; a fixed listener still checks, so a mistake gets its name.
    private async ValueTask<DetectedProtocol?> DetectAsync()
    {
        var input = Input;
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            var detected = ProtocolDetector.Detect(buffer);
            input.AdvanceTo(buffer.Start, detected == DetectedProtocol.NeedMoreData ? buffer.End : buffer.Start);
            if (detected == DetectedProtocol.NeedMoreData)
            {
                if (result.IsCompleted || result.IsCanceled)
                {
                    return null; // closed before saying anything: nothing to answer
                }

                continue;
            }

            return Check(detected, buffer.FirstSpan[0]);
        }
    }

    private DetectedProtocol? Check(DetectedProtocol detected, byte firstByte)
    {
        var expected = Listener.Protocol;
        if (detected == DetectedProtocol.Unknown)
        {
            _server.ConnectionLogger.UnknownProtocol(Id, Listener.Name, firstByte);
            return null;
        }

        if ((detected == DetectedProtocol.Uwsgi && expected == ListenerProtocol.FastCgi)
            || (detected == DetectedProtocol.FastCgi && expected == ListenerProtocol.Uwsgi))
        {
            var directive = expected == ListenerProtocol.Uwsgi ? "uwsgi_pass" : "fastcgi_pass";
            _server.ConnectionLogger.WrongProtocol(Id, Listener.Name, detected.ToString(), expected.ToString(), directive);
            return null;
        }

        return detected;
    }

    // Body reads slower than Bridge:Limits:MinRequestBodyDataRate past its grace period, or stalled for
    // BodyReadStallTimeout, cut the connection. Only time spent waiting for body bytes counts.
    private void CheckBodyRead(long now)
    {
        var since = Volatile.Read(ref _bodyReadSince);
        if (since == 0)
        {
            return;
        }

        if (now - since >= _server.BodyStallTicks)
        {
            BodyReadEnded();
            _server.ConnectionLogger.BodyStalled(Id);
            Abort("No request body bytes arrived in time.");
            return;
        }

        if (_server.MinBodyRate is not { } rate)
        {
            return;
        }

        var waited = Volatile.Read(ref _bodyReadTicks) + (now - since);
        if (waited <= _server.MinBodyRateGraceTicks)
        {
            return;
        }

        var bytes = Input.BytesReceived - Volatile.Read(ref _bodyBytesBase);
        var seconds = (double)waited / _server.Time.TimestampFrequency;
        if (bytes < rate * seconds)
        {
            BodyReadEnded();
            _server.ConnectionLogger.BodyTooSlow(Id, bytes, seconds, rate);
            Abort("The request body arrived slower than Bridge:Limits:MinRequestBodyDataRate.");
        }
    }

    // A flush that has waited for the front end longer than the grace period, and got fewer bytes through than
    // MinResponseDataRate allows for that time, cuts the connection.
    private void CheckResponseRate(long now)
    {
        var since = Output.PendingSince;
        if (since == 0 || _upgraded || _server.MinResponseRate is not { } rate || now - since <= _server.MinResponseRateGraceTicks)
        {
            return;
        }

        var sent = Output.PendingSent;
        var seconds = (double)(now - since) / _server.Time.TimestampFrequency;
        if (sent < rate * seconds)
        {
            _server.ConnectionLogger.ResponseTooSlow(Id, sent, seconds, rate);
            Abort("The front end read the response slower than Bridge:Limits:MinResponseDataRate.");
        }
    }

    private async Task CloseAsync(IConnectionProcessor? processor, bool reusable)
    {
        StopHeadTimer();
        StopIdleTimer();
        BodyReadEnded();
        try
        {
            await Output.CompleteAsync().ConfigureAwait(false);
            await Input.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            _server.ConnectionLogger.FrontEndGone(Id, ex.Message);
        }
        finally
        {
            Transport.CloseSocket();
            if (reusable)
            {
                Transport.ReleaseBuffers();
                switch (processor)
                {
                    case UwsgiRequestProcessor uwsgi:
                        _manager.UwsgiProcessors.Return(uwsgi);
                        break;
                    case FastCgiConnectionProcessor fastCgi:
                        _manager.FastCgiProcessors.Return(fastCgi);
                        break;
                }
            }

            _server.ConnectionLogger.ConnectionClosed(Id);
            _manager.Remove(this);
            Completion.TrySetResult();
        }
    }
}
