namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// The front web server in front of Echo, seen from the tests: a rendered config, one base address per server
/// block, and its logs. <see cref="LocalNginxProcess"/> runs the nginx installed on this machine. This is the seam
/// for a container-backed front end where Docker exists (an nginx image with the prefix and the socket folder
/// bind-mounted); the tests would not change.
/// </summary>
internal interface INginxFrontEnd : IAsyncDisposable
{
    /// <summary>
    /// Renders <c>nginx/templates/<paramref name="templateName"/></c> with <paramref name="values"/> (the front end
    /// fills in <c>PREFIX</c>, <c>USER_DIRECTIVE</c> and a free loopback port for every <c>{{NAME_PORT}}</c>), starts
    /// nginx and returns once every port accepts connections.
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
