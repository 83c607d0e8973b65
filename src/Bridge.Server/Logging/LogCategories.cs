namespace Bridge.Server.Logging;

/// <summary>One log category per area; event ids are stable by range (1xx connections, 2xx protocol, 3xx application, 4xx hosting).</summary>
internal static class LogCategories
{
    public const string Connections = "Bridge.Server.Connections";
    public const string Protocol = "Bridge.Server.Protocol";
    public const string Application = "Bridge.Server.Application";
    public const string Access = "Bridge.Server.Access";
    public const string Hosting = "Bridge.Server.Hosting";
}
