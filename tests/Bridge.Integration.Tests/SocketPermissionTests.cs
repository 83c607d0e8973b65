using System.Net;
using Bridge.Integration.Tests.Fixtures;

namespace Bridge.Integration.Tests;

/// <summary>
/// nginx's workers run as www-data. A socket only its owner (root) may open gives 502; Bridge's default,
/// 0660 with group www-data, works. Needs root, as in CI (only root can run workers as www-data).
/// </summary>
[Collection(EchoBehindNginxDefinition.Name)]
public sealed class SocketPermissionTests(EchoBehindNginx stack)
{
    [Theory]
    [MemberData(nameof(EchoApps.All), MemberType = typeof(EchoApps))]
    public async Task A_socket_the_workers_may_not_open_gives_502_and_nginx_logs_permission_denied(EchoApp app)
    {
        Assert.True(Posix.IsRoot, "This test needs root: nginx must run its workers as www-data, which only root can do.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal(SocketModes.OwnerOnly, File.GetUnixFileMode(stack.ForbiddenEcho(app).SocketPath));

        using var response = await stack.Client.GetAsync(new Uri(stack.BaseAddress(app, "FORBIDDEN_PORT"), "/hello"), timeout.Token);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var errorLog = stack.Nginx.ErrorLog;
        Assert.Contains($"connect() to unix:{stack.ForbiddenEcho(app).SocketPath} failed (13: Permission denied)", errorLog, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(EchoApps.All), MemberType = typeof(EchoApps))]
    public async Task The_default_mode_0660_with_group_www_data_lets_the_workers_in(EchoApp app)
    {
        Assert.True(Posix.IsRoot, "This test needs root: nginx must run its workers as www-data, which only root can do.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal(SocketModes.OwnerAndGroup, File.GetUnixFileMode(stack.GroupEcho(app).SocketPath)); // nothing for others: the group is the way in

        using var response = await stack.Client.GetAsync(new Uri(stack.BaseAddress(app, "GROUP_PORT"), "/hello"), timeout.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello world\n", await response.Content.ReadAsStringAsync(timeout.Token));
    }
}
