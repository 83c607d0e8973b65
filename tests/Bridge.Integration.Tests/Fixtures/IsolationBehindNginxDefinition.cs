namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// The request-isolation tests behind nginx: they load the machine (the cross-talk stress runs), so they run one at
/// a time and not beside the other collections.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IsolationBehindNginxDefinition : ICollectionFixture<IsolationBehindNginx>
{
    public const string Name = "Request isolation behind nginx (serial)";
}
