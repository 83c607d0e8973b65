namespace Bridge.Integration.Tests.Fixtures;

/// <summary>Every test that talks to Apache, lighttpd, uWSGI's router or cgi-fcgi in front of the Echo apps.</summary>
[CollectionDefinition(Name)]
public sealed class OtherFrontEndsDefinition : ICollectionFixture<OtherFrontEnds>
{
    public const string Name = "Bridge behind Apache, lighttpd, uWSGI's router and cgi-fcgi";
}
