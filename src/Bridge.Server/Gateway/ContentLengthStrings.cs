using System.Globalization;

namespace Bridge.Server.Gateway;

/// <summary>Content-Length values as strings; small ones are made once and shared, so most responses allocate none.</summary>
internal static class ContentLengthStrings
{
    private const int CacheSize = 1024;
    private static readonly string?[] Cache = new string?[CacheSize];

    public static string Get(long length)
    {
        if ((ulong)length < CacheSize)
        {
            return Cache[length] ??= length.ToString(CultureInfo.InvariantCulture);
        }

        return length.ToString(CultureInfo.InvariantCulture);
    }
}
