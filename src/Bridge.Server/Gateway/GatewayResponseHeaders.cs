using System.Globalization;
using System.Runtime.InteropServices;
using Bridge.Protocol.Http;

namespace Bridge.Server.Gateway;

/// <summary>
/// Response headers in the order set; a name may repeat (two Set-Cookie lines). Names compare without case.
/// Content-Length lives in <see cref="GatewayResponse.ContentLength"/>; setting it here sets that.
/// </summary>
public sealed class GatewayResponseHeaders
{
    private readonly List<ResponseHeader> _headers = new(8);
    private readonly GatewayResponse _response;

    internal GatewayResponseHeaders(GatewayResponse response) => _response = response;

    /// <summary>How many header lines are set (Content-Length not counted).</summary>
    public int Count => _headers.Count;

    /// <summary>The header line at <paramref name="index"/>.</summary>
    public ResponseHeader this[int index] => _headers[index];

    /// <summary>Adds a header line, keeping any with the same name.</summary>
    public void Add(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        _response.ThrowIfStarted();
        if (IsContentLength(name))
        {
            _response.ContentLength = ParseContentLength(value);
            return;
        }

        _headers.Add(new ResponseHeader(name, value));
    }

    /// <summary>Replaces every line named <paramref name="name"/> with one; null removes them.</summary>
    public void Set(string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        _response.ThrowIfStarted();
        if (IsContentLength(name))
        {
            _response.ContentLength = value is null ? null : ParseContentLength(value);
            return;
        }

        Remove(name);
        if (value is not null)
        {
            _headers.Add(new ResponseHeader(name, value));
        }
    }

    /// <summary>Removes every line named <paramref name="name"/>; true if there was one.</summary>
    public bool Remove(string name)
    {
        _response.ThrowIfStarted();
        return _headers.RemoveAll(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)) > 0;
    }

    /// <summary>The first value of <paramref name="name"/>, or null.</summary>
    public string? Get(string name)
    {
        if (IsContentLength(name))
        {
            return _response.ContentLength?.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var header in _headers)
        {
            if (string.Equals(header.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return header.Value;
            }
        }

        return null;
    }

    /// <summary>Removes every header line.</summary>
    public void Clear() => _headers.Clear();

    internal List<ResponseHeader> List => _headers;

    internal ReadOnlySpan<ResponseHeader> AsSpan() => CollectionsMarshal.AsSpan(_headers);

    private static bool IsContentLength(string name) => string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase);

    private static long ParseContentLength(string value)
        => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            ? length
            : throw new ArgumentException($"'{value}' is not a valid Content-Length.", nameof(value));
}
