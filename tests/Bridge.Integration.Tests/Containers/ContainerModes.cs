using Bridge.Integration.Tests.Fixtures;

namespace Bridge.Integration.Tests.Containers;

/// <summary>Theory data: the two ways nginx in a container reaches Bridge: uwsgi, and FastCGI with keep_conn on + an upstream keepalive pool.</summary>
public static class ContainerModes
{
    public static TheoryData<FrontEndMode> Both => new(FrontEndMode.Uwsgi, FrontEndMode.FastCgiKeepAlive);
}
