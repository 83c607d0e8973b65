namespace Bridge.Server.Listeners;

/// <summary>The kinds of address a listener can have.</summary>
public enum ListenAddressKind
{
    /// <summary>A Unix socket file: <c>unix:/run/app.sock</c>.</summary>
    UnixPath,

    /// <summary>A Linux abstract Unix socket: <c>unix:@name</c>.</summary>
    UnixAbstract,

    /// <summary>TCP: <c>tcp:127.0.0.1:9000</c>.</summary>
    Tcp,

    /// <summary>An inherited listening socket: <c>fd:3</c>.</summary>
    FileDescriptor,
}
