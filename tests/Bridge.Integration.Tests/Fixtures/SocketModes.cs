namespace Bridge.Integration.Tests.Fixtures;

/// <summary>The socket file modes the tests give and check: Bridge's default, and one that only the owner may open.</summary>
internal static class SocketModes
{
    /// <summary>0600: only the socket's owner (root, in CI) may connect; nginx's workers (www-data) may not.</summary>
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>0660, Bridge's default: the owner and the socket's group (www-data: the group is the workers' way in).</summary>
    public const UnixFileMode OwnerAndGroup = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;
}
