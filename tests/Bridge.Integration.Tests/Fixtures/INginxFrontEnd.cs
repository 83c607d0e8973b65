namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// The front web server in front of Echo, seen from the tests: a rendered config, one base address per server
/// block, and its logs. <see cref="LocalNginxProcess"/> runs the nginx installed on this machine (the fast way, for
/// most tests); <see cref="ContainerNginx"/> runs nginx in a container, with the prefix (and the socket folder, a
/// volume or a network, as a test needs) shared with it, behind the same members.
/// </summary>
internal interface INginxFrontEnd : IAsyncDisposable
{
    /// <summary>
    /// Renders <c>nginx/templates/<paramref name="templateName"/></c> with <paramref name="values"/> (the front end
    /// fills in <c>PREFIX</c>, <c>USER_DIRECTIVE</c> and a port for every <c>{{NAME_PORT}}</c>: a free loopback port,
    /// or the container's own port published on one), starts nginx and returns once it listens.
    /// </summary>
    Task StartAsync(string templateName, IReadOnlyDictionary<string, string> values);

    /// <summary>The port chosen for the <c>{{<paramref name="portName"/>}}</c> placeholder.</summary>
    int Port(string portName);

    /// <summary><c>http://127.0.0.1:PORT</c> for the server block listening on <c>{{<paramref name="portName"/>}}</c>.</summary>
    Uri BaseAddress(string portName);

    /// <summary>nginx's error log (level info) so far.</summary>
    string ErrorLog { get; }

    /// <summary>nginx's access log (combined format) so far.</summary>
    string AccessLog { get; }
}
