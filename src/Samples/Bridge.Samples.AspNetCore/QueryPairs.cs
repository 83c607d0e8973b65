using System.Net;

namespace Bridge.Samples.AspNetCore;

/// <summary>
/// The pairs of a raw query string in order, decoded ('+' and %XX). Request.Query groups a repeated name
/// (a=1&amp;b=2&amp;a=3 gives a: [1, 3]), which would lose the interleaving /headers must keep.
/// </summary>
internal static class QueryPairs
{
    public static IEnumerable<(string Name, string Value)> Parse(QueryString query)
    {
        var text = query.HasValue ? query.Value![1..] : "";
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = WebUtility.UrlDecode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : WebUtility.UrlDecode(pair[(equals + 1)..]);
            yield return (name, value);
        }
    }
}
