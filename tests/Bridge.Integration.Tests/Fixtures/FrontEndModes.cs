namespace Bridge.Integration.Tests.Fixtures;

/// <summary>Theory data: every <see cref="FrontEndMode"/>.</summary>
public static class FrontEndModes
{
    public static TheoryData<FrontEndMode> All => new(FrontEndMode.Uwsgi, FrontEndMode.FastCgiKeepAlive, FrontEndMode.FastCgi);
}
