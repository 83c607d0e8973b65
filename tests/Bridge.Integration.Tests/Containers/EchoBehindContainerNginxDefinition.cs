namespace Bridge.Integration.Tests.Containers;

/// <summary>Every test that talks to Echo on this machine through nginx in a container; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class EchoBehindContainerNginxDefinition : ICollectionFixture<EchoBehindContainerNginx>
{
    public const string Name = "Echo on the host behind nginx in a container";
}
