namespace Bridge.Server.Listeners;

/// <summary>
/// What tells one socket file from another at the same path: device, inode and modification time (set when the
/// socket is bound; chmod and chown leave it). The inode alone is not enough: a path deleted and bound again often
/// gets the freed inode back.
/// </summary>
/// <param name="Device">The file system's device number.</param>
/// <param name="Inode">The file's inode.</param>
/// <param name="Seconds">Modification time, seconds.</param>
/// <param name="Nanoseconds">Modification time, nanoseconds.</param>
public readonly record struct SocketFileIdentity(ulong Device, ulong Inode, long Seconds, long Nanoseconds);
