using System.IO.Pipelines;
using Bridge.Protocol;
using Bridge.Server.Gateway;
using Bridge.Server.Logging;
using Bridge.Server.Options;
using Microsoft.AspNetCore.Connections;

namespace Bridge.Server.Connections;

/// <summary>
/// One accepted connection: finds out what it speaks, hands it to the protocol's processor, enforces its
/// timeouts when the heartbeat ticks, and tears it down. Run inline by the I/O thread that accepted it.
/// </summary>
internal sealed class BridgeConnection
{
    private const long Never = long.MaxValue;

    private readonly ServerContext _server;
    private readonly ConnectionManager _manager;
    private long _headDeadline = Never;
    private long _idleDeadline = Never;
    private long _bodyReadSince;
    private volatile bool _stopRequested;
    private string? _id;

    public BridgeConnection(long number, ConnectionContext transport, ListenerInfo listener, ServerContext server, ConnectionManager manager)
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

    public ConnectionContext Transport { get; }

    public ListenerInfo Listener { get; }

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool StopRequested => _stopRequested;

    /// <summary>Visited by the heartbeat: the request(s) whose per-request deadline it checks.</summary>
    public IRequestDeadlines? Requests { get; set; }

    public void StartHeadTimer() => Volatile.Write(ref _headDeadline, _server.Time.GetTimestamp() + _server.HeadTimeoutTicks);

    public void StopHeadTimer() => Volatile.Write(ref _headDeadline, Never);

    public void StartIdleTimer() => Volatile.Write(ref _idleDeadline, _server.Time.GetTimestamp() + _server.KeepAliveTicks);

    public void StopIdleTimer() => Volatile.Write(ref _idleDeadline, Never);

    public void BodyReadStarted() => Volatile.Write(ref _bodyReadSince, _server.Time.GetTimestamp());

    public void BodyReadEnded() => Volatile.Write(ref _bodyReadSince, 0);

    /// <summary>Graceful stop: finish what is in flight, take no new request on this connection.</summary>
    public void RequestStop()
    {
        _stopRequested = true;
        if (Volatile.Read(ref _idleDeadline) != Never)
        {
            Transport.Transport.Input.CancelPendingRead(); // idle between kept-alive requests: close now
        }
    }

    public void Abort(string reason) => Transport.Abort(new ConnectionAbortedException(reason));

    public void OnHeartbeat(long now)
    {
        if (now >= Volatile.Read(ref _headDeadline))
        {
            StopHeadTimer();
            _server.ConnectionLogger.HeadTimeout(Id);
            Abort("The request head did not arrive in time.");
        }

        var bodySince = Volatile.Read(ref _bodyReadSince);
        if (bodySince != 0 && now - bodySince >= _server.BodyStallTicks)
        {
            BodyReadEnded();
            _server.ConnectionLogger.BodyStalled(Id);
            Abort("No request body bytes arrived in time.");
        }

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
        try
        {
            _server.ConnectionLogger.ConnectionAccepted(Id, Listener.Name, Transport.RemoteEndPoint); // formatted only when Debug is on
            StartHeadTimer();
            var detected = await DetectAsync().ConfigureAwait(false);
            switch (detected)
            {
                case DetectedProtocol.Uwsgi:
                    await _manager.UwsgiProcessors.RunAsync(this).ConfigureAwait(false);
                    break;
                case DetectedProtocol.FastCgi:
                    await _manager.FastCgiProcessors.RunAsync(this).ConfigureAwait(false);
                    break;
                case DetectedProtocol.Http:
                    _server.ConnectionLogger.PlainHttpReceived(Id, Listener.Name);
                    await Transport.Transport.Output.WriteAsync(PlainHttpAnswer.For(Listener.Protocol)).ConfigureAwait(false);
                    break;
                case DetectedProtocol.Tls:
                    _server.ConnectionLogger.TlsReceived(Id, Listener.Name);
                    break;
            }
        }
        catch (GatewayProtocolException ex)
        {
            _server.ProtocolLogger.Rejected(Id, "request", ex.Reason, ex.Message);
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            _server.ConnectionLogger.FrontEndGone(Id, ex.Message);
        }
        catch (Exception ex)
        {
            _server.ConnectionLogger.ConnectionFailed(Id, ex);
        }
        finally
        {
            await CloseAsync().ConfigureAwait(false);
        }
    }

    // Examines the first bytes and consumes none; a fixed listener still checks, so a mistake gets its name.
    private async ValueTask<DetectedProtocol?> DetectAsync()
    {
        var input = Transport.Transport.Input;
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

    private async Task CloseAsync()
    {
        StopHeadTimer();
        StopIdleTimer();
        BodyReadEnded();
        try
        {
            await Transport.Transport.Output.CompleteAsync().ConfigureAwait(false);
            await Transport.Transport.Input.CompleteAsync().ConfigureAwait(false);
            await Transport.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            _server.ConnectionLogger.FrontEndGone(Id, ex.Message);
        }
        finally
        {
            _server.ConnectionLogger.ConnectionClosed(Id);
            _manager.Remove(this);
            Completion.TrySetResult();
        }
    }

    public static bool IsTransportError(Exception ex)
        => ex is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException or OperationCanceledException
            or System.Net.Sockets.SocketException;

}
