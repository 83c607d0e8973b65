namespace Bridge.Cli;

/// <summary>The text of <c>dotnet-bridge --help</c>.</summary>
internal static class Usage
{
    public const string Text = """
        Usage: dotnet-bridge run [options] -- <app command...>

        Binds the listening sockets once, starts N workers of the app command that inherit them
        (Bridge__Listeners__i__Address=fd:N), and supervises them.

        Options (also --config FILE.json with the same names as keys, and environment BRIDGE_<NAME>,
        e.g. BRIDGE_MAX_REQUESTS; the command line wins over the environment over the file):
          --listen ADDR               unix:PATH, unix:@name or tcp:HOST:PORT; repeatable (or systemd LISTEN_FDS)
          --protocol P                uwsgi, fastcgi or auto (default auto)
          --socket-mode MODE          socket file mode (default 0660)
          --socket-owner USER         socket file owner
          --socket-group GROUP        socket file group
          --backlog N                 listen backlog (default 1024)
          --workers N                 worker processes (default 2)
          --stats ADDR                stats endpoint, unix:PATH or tcp:HOST:PORT (default off)
          --graceful-timeout SECONDS  stop and reload timeout (default 30)
          --max-requests N            recycle a worker after N requests
          --max-requests-jitter N     add 0..N requests per worker
          --max-rss MIB               recycle a worker at this resident memory
          --max-lifetime SECONDS      recycle a worker at this age
          --harakiri SECONDS          recycle (and kill) a worker whose request runs this long
          --touch-reload PATH         reload when the file's mtime changes

        Signals: SIGHUP reloads (new workers, then the old ones stop); SIGTERM and SIGINT stop gracefully.

        Example:
          dotnet-bridge run --listen unix:/run/app/app.sock --protocol uwsgi --workers 4 -- dotnet App.dll
        """;
}
