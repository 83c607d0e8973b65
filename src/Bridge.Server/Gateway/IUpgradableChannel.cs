using Bridge.Server.Connections;

namespace Bridge.Server.Gateway;

/// <summary>A response channel whose connection can become a tunnel after a 101 (uwsgi; FastCGI never can).</summary>
internal interface IUpgradableChannel
{
    /// <summary>
    /// After the 101 head was sent: hands the raw connection over. The connection stops timing the request (body
    /// stall, data rates) and leaves its I/O thread, so a read that waits holds no thread.
    /// </summary>
    UpgradedStream Upgrade();
}
