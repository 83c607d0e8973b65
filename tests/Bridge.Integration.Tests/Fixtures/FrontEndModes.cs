namespace Bridge.Integration.Tests.Fixtures;

/// <summary>Theory data: every <see cref="FrontEndMode"/>; uwsgi and FastCGI keep_conn, where the ASP.NET Core behaviours are checked.</summary>
public static class FrontEndModes
{
    public static TheoryData<FrontEndMode> All => new(FrontEndMode.Uwsgi, FrontEndMode.FastCgiKeepAlive, FrontEndMode.FastCgi);

    public static TheoryData<FrontEndMode> UwsgiAndFastCgiKeepAlive => new(FrontEndMode.Uwsgi, FrontEndMode.FastCgiKeepAlive);

    /// <summary>The wire protocol nginx speaks to Bridge in <paramref name="mode"/>, as Echo names it: uwsgi or fastcgi.</summary>
    public static string Gateway(this FrontEndMode mode) => mode == FrontEndMode.Uwsgi ? "uwsgi" : "fastcgi";
}
