namespace Bridge.Integration.Tests.Fixtures;

/// <summary>Every test that talks to the shared nginx + Echo stack; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class EchoBehindNginxDefinition : ICollectionFixture<EchoBehindNginx>
{
    public const string Name = "Bridge behind nginx";
}
