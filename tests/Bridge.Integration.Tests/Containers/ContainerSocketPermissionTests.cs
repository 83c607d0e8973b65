using System.Net;
using Bridge.Integration.Tests.Fixtures;

namespace Bridge.Integration.Tests.Containers;

/// <summary>
/// Permissions as in production, across the container boundary: nginx's workers are www-data in the container, the
/// sockets are on the host. The default mode 0660 with <c>--socket-group</c> set to www-data's gid in the container
/// lets them in; a socket only root may open is nginx's 502, with "Permission denied" in its error log.
/// </summary>
[Collection(EchoBehindContainerNginxDefinition.Name)]
public sealed class ContainerSocketPermissionTests(EchoBehindContainerNginx stack)
{
    [Theory]
    [MemberData(nameof(ContainerModes.Both), MemberType = typeof(ContainerModes))]
    public async Task The_default_mode_0660_with_the_workers_gid_as_socket_group_lets_them_in(FrontEndMode mode)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var socket = stack.EchoBehind(mode).SocketPath;
        Assert.Equal(SocketModes.OwnerAndGroup, File.GetUnixFileMode(socket)); // nothing for others: the group is the way in
        Assert.Equal(stack.WwwDataGid, Posix.GroupOf(socket));

        using var response = await stack.Client.GetAsync(stack.Url(mode, "/hello"), timeout.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello world\n", await response.Content.ReadAsStringAsync(timeout.Token));
    }

    [Fact]
    public async Task A_socket_the_workers_may_not_open_is_nginx_502_and_logged_as_permission_denied()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal(SocketModes.OwnerOnly, File.GetUnixFileMode(stack.Forbidden.SocketPath));

        using var response = await stack.Client.GetAsync(stack.Url("FORBIDDEN_PORT", "/hello"), timeout.Token);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains($"connect() to unix:{stack.Forbidden.SocketPath} failed (13: Permission denied)", stack.Nginx.ErrorLog, StringComparison.Ordinal);
    }
}
