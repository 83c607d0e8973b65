using Bridge.Server.Options;

namespace Bridge.Cli;

/// <summary>The settings of <c>dotnet-bridge run</c>, read once at start (command line over environment over file).</summary>
internal sealed record RunOptions
{
    /// <summary>Listener addresses; empty only under systemd socket activation.</summary>
    public IReadOnlyList<string> Listen { get; init; } = [];

    /// <summary>What the listeners speak. Defaults to auto-detection per connection.</summary>
    public ListenerProtocol Protocol { get; init; } = ListenerProtocol.Auto;

    /// <summary>Mode of socket files. Defaults to 0660, as BridgeListenerOptions (nginx and the app share a group).</summary>
    public string SocketMode { get; init; } = "0660";

    public string? SocketOwner { get; init; }

    public string? SocketGroup { get; init; }

    /// <summary>listen(2) backlog. Defaults to 1024, as BridgeListenerOptions.</summary>
    public int Backlog { get; init; } = 1024;

    /// <summary>Worker processes. Defaults to 2 (gunicorn defaults to 1; two keep serving while one restarts).</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Stats endpoint address (unix:PATH or tcp:HOST:PORT). Defaults to off, as uWSGI's --stats.</summary>
    public string? Stats { get; init; }

    /// <summary>How long a worker may take to stop (and a new generation to get ready). Defaults to 30 s, as gunicorn's --graceful-timeout.</summary>
    public TimeSpan GracefulTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Recycle a worker after this many requests (uWSGI --max-requests). Defaults to off.</summary>
    public long? MaxRequests { get; init; }

    /// <summary>Random extra requests per worker so they do not recycle together (gunicorn --max-requests-jitter). Defaults to 0.</summary>
    public int MaxRequestsJitter { get; init; }

    /// <summary>Recycle a worker whose resident memory reaches this (uWSGI --reload-on-rss, in MiB). Defaults to off.</summary>
    public long? MaxRssBytes { get; init; }

    /// <summary>Recycle a worker after this age (uWSGI --max-worker-lifetime). Defaults to off.</summary>
    public TimeSpan? MaxLifetime { get; init; }

    /// <summary>Recycle (and kill) a worker whose oldest request runs this long (uWSGI --harakiri). Defaults to off.</summary>
    public TimeSpan? Harakiri { get; init; }

    /// <summary>Reload when this file's mtime changes (uWSGI --touch-reload). Defaults to off.</summary>
    public string? TouchReload { get; init; }

    /// <summary>The app command and its arguments.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];
}
