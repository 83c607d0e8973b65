using System.Buffers;
using System.Text;

namespace Bridge.Protocol.Gateway;

/// <summary>
/// The CGI variables of one request, from either protocol, in arrival order with duplicates kept (nginx 1.22
/// repeats keys such as HTTP_COOKIE). Names and values are stored as ranges over one pooled byte buffer and
/// decoded to strings only when asked; an instance is reused from request to request with <see cref="Clear"/>.
/// Bytes are read as Latin-1: nginx copies header bytes verbatim and they need not be UTF-8.
/// </summary>
public sealed class GatewayVariables : IDisposable
{
    private const int InitialDataSize = 2048;
    private const int InitialEntries = 32;

    private byte[] _data;
    private int _dataLength;
    private Entry[] _entries;
    private int _count;
    private readonly int[] _wellKnown = new int[WellKnownVariables.Count];
    private long _contentLength;
    private bool _contentLengthInvalid;

    /// <summary>Creates an empty set whose buffers come from <see cref="ArrayPool{T}.Shared"/>.</summary>
    public GatewayVariables()
    {
        _data = ArrayPool<byte>.Shared.Rent(InitialDataSize);
        _entries = ArrayPool<Entry>.Shared.Rent(InitialEntries);
        Clear();
    }

    /// <summary>How many variables arrived (duplicates counted).</summary>
    public int Count => _count;

    /// <summary>The name of the variable at <paramref name="index"/>, as received.</summary>
    public ReadOnlySpan<byte> GetName(int index)
    {
        var entry = EntryAt(index);
        return _data.AsSpan(entry.NameStart, entry.NameLength);
    }

    /// <summary>The value of the variable at <paramref name="index"/>, as received.</summary>
    public ReadOnlySpan<byte> GetValue(int index)
    {
        var entry = EntryAt(index);
        return _data.AsSpan(entry.NameStart + entry.NameLength, entry.ValueLength);
    }

    /// <summary>The name at <paramref name="index"/> as a string (allocates).</summary>
    public string GetNameString(int index) => KnownStrings.Latin1(GetName(index));

    /// <summary>The value at <paramref name="index"/> as a string (allocates unless empty).</summary>
    public string GetValueString(int index) => KnownStrings.Latin1(GetValue(index));

    /// <summary>Finds the first variable named <paramref name="name"/>.</summary>
    public bool TryGetValue(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        var index = IndexOf(name);
        value = index < 0 ? default : GetValue(index);
        return index >= 0;
    }

    /// <summary>The index of the first variable named <paramref name="name"/>, or -1.</summary>
    public int IndexOf(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < _count; i++)
        {
            if (GetName(i).SequenceEqual(name))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>REQUEST_METHOD (never empty once a reader has accepted the request).</summary>
    public string RequestMethod => KnownStrings.Method(WellKnown(WellKnownVariable.RequestMethod));

    /// <summary>REQUEST_URI as received: the raw target with its query, never decoded ("" if absent).</summary>
    public ReadOnlySpan<byte> RequestUri => WellKnown(WellKnownVariable.RequestUri);

    /// <summary>QUERY_STRING as received, still encoded ("" if none).</summary>
    public ReadOnlySpan<byte> QueryString => WellKnown(WellKnownVariable.QueryString);

    /// <summary>CONTENT_LENGTH as a number; null when absent or empty (nginx sends "" on a GET).</summary>
    public long? ContentLength => _contentLength < 0 ? null : _contentLength;

    /// <summary>CONTENT_TYPE ("" if none).</summary>
    public ReadOnlySpan<byte> ContentType => WellKnown(WellKnownVariable.ContentType);

    /// <summary>SERVER_NAME ("" when nginx's server block has no server_name).</summary>
    public ReadOnlySpan<byte> ServerName => WellKnown(WellKnownVariable.ServerName);

    /// <summary>SERVER_PORT as a number, or null when absent or not a port.</summary>
    public int? ServerPort => ParsePort(WellKnown(WellKnownVariable.ServerPort));

    /// <summary>SERVER_PROTOCOL, e.g. HTTP/1.1 (shared string for the common values).</summary>
    public string ServerProtocol => KnownStrings.Protocol(WellKnown(WellKnownVariable.ServerProtocol));

    /// <summary>SERVER_ADDR (FastCGI params send it; uwsgi params do not).</summary>
    public ReadOnlySpan<byte> ServerAddr => WellKnown(WellKnownVariable.ServerAddr);

    /// <summary>REMOTE_ADDR: the client's address as nginx saw it (<c>unix:</c> for a Unix-socket client).</summary>
    public ReadOnlySpan<byte> RemoteAddr => WellKnown(WellKnownVariable.RemoteAddr);

    /// <summary>REMOTE_PORT as a number, or null.</summary>
    public int? RemotePort => ParsePort(WellKnown(WellKnownVariable.RemotePort));

    /// <summary>SCRIPT_NAME: the mount point (path base); "" if absent.</summary>
    public ReadOnlySpan<byte> ScriptName => WellKnown(WellKnownVariable.ScriptName);

    /// <summary>PATH_INFO as nginx sent it (already decoded and normalised by nginx); "" if absent.</summary>
    public ReadOnlySpan<byte> PathInfo => WellKnown(WellKnownVariable.PathInfo);

    /// <summary>DOCUMENT_ROOT; "" if absent.</summary>
    public ReadOnlySpan<byte> DocumentRoot => WellKnown(WellKnownVariable.DocumentRoot);

    /// <summary>HTTP_HOST (with Debian's params: nginx's <c>$host</c>, lower-case and without port).</summary>
    public ReadOnlySpan<byte> Host => WellKnown(WellKnownVariable.HttpHost);

    /// <summary>SERVER_SOFTWARE, e.g. <c>lighttpd/1.4.69</c> (FastCGI front ends send it; nginx's uwsgi_params do not).</summary>
    public ReadOnlySpan<byte> ServerSoftware => WellKnown(WellKnownVariable.ServerSoftware);

    /// <summary>
    /// HTTP_TRANSFER_ENCODING, the client's Transfer-Encoding header. nginx leaves it in place after de-chunking a
    /// body it sends with CONTENT_LENGTH; uWSGI's HTTP router sends it with the chunk framing still on the body.
    /// </summary>
    public ReadOnlySpan<byte> TransferEncoding => WellKnown(WellKnownVariable.HttpTransferEncoding);

    /// <summary>
    /// True for TLS requests: REQUEST_SCHEME "https" when present (the most precise), else HTTPS set to
    /// "on", "1" or "true" in any case (nginx sends "on" or nothing; other servers send "off", "1").
    /// </summary>
    public bool IsHttps
    {
        get
        {
            var scheme = WellKnown(WellKnownVariable.RequestScheme);
            if (!scheme.IsEmpty)
            {
                return Ascii.EqualsIgnoreCase(scheme, "https"u8);
            }

            var https = WellKnown(WellKnownVariable.Https);
            return Ascii.EqualsIgnoreCase(https, "on"u8) || https.SequenceEqual("1"u8) || Ascii.EqualsIgnoreCase(https, "true"u8);
        }
    }

    /// <summary>"https" or "http".</summary>
    public string Scheme => IsHttps ? "https" : "http";

    /// <summary>
    /// The variables that are HTTP request headers, in arrival order: every HTTP_* variable, plus CONTENT_TYPE
    /// and CONTENT_LENGTH when not empty. nginx also sends HTTP_CONTENT_TYPE / HTTP_CONTENT_LENGTH copies of
    /// the client's headers; those are left out so each header appears once.
    /// </summary>
    public HeaderEnumerator Headers => new(this);

    /// <summary>The HTTP header name of the variable at <paramref name="index"/>: HTTP_X_FOO is X-Foo.</summary>
    public string GetHeaderName(int index) => HeaderNames.FromVariable(GetName(index));

    /// <summary>Appends a variable. The bytes are copied; the spans may die after the call.</summary>
    public void Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        EnsureCapacity(name.Length + value.Length);
        if (_count == _entries.Length)
        {
            Grow(ref _entries, _count * 2);
        }

        var start = _dataLength;
        name.CopyTo(_data.AsSpan(start));
        value.CopyTo(_data.AsSpan(start + name.Length));
        _dataLength += name.Length + value.Length;
        _entries[_count] = new Entry(start, name.Length, value.Length);

        if (WellKnownVariables.TryMatch(name, out var known))
        {
            ref var slot = ref _wellKnown[(int)known];
            if (slot < 0)
            {
                slot = _count;
            }

            if (known == WellKnownVariable.ContentLength)
            {
                TrackContentLength(value);
            }
        }

        _count++;
    }

    /// <summary>Makes room for <paramref name="bytes"/> more name and value bytes in one step.</summary>
    public void EnsureCapacity(int bytes)
    {
        if (_data.Length - _dataLength < bytes)
        {
            Grow(ref _data, Math.Max(_data.Length * 2, _dataLength + bytes), _dataLength);
        }
    }

    /// <summary>Forgets every variable and keeps the buffers for the next request.</summary>
    public void Clear()
    {
        _count = 0;
        _dataLength = 0;
        _contentLength = -1;
        _contentLengthInvalid = false;
        _wellKnown.AsSpan().Fill(-1);
    }

    /// <summary>
    /// Checks that the variables describe an HTTP request: a non-empty REQUEST_METHOD, then a valid
    /// CONTENT_LENGTH. Readers call this once the whole block has arrived.
    /// </summary>
    /// <exception cref="GatewayProtocolException">MissingRequestMethod or InvalidContentLength.</exception>
    public void ValidateRequest()
    {
        if (WellKnown(WellKnownVariable.RequestMethod).IsEmpty)
        {
            ProtocolThrow.Reject(ProtocolError.MissingRequestMethod);
        }

        if (_contentLengthInvalid)
        {
            ProtocolThrow.Reject(ProtocolError.InvalidContentLength);
        }
    }

    /// <summary>Returns the pooled buffers. The instance must not be used afterwards.</summary>
    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_data);
        ArrayPool<Entry>.Shared.Return(_entries);
        _data = [];
        _entries = [];
        _count = 0;
        _dataLength = 0;
    }

    // nginx sends the client's Content-Type/Length twice (CONTENT_TYPE and HTTP_CONTENT_TYPE): the unprefixed
    // variables are the headers, the HTTP_ copies are left out so each header appears once.
    internal bool IsHeader(int index)
    {
        var name = GetName(index);
        if (name.StartsWith("HTTP_"u8))
        {
            return !name.SequenceEqual("HTTP_CONTENT_TYPE"u8) && !name.SequenceEqual("HTTP_CONTENT_LENGTH"u8);
        }

        return (index == _wellKnown[(int)WellKnownVariable.ContentType] || index == _wellKnown[(int)WellKnownVariable.ContentLength])
            && !GetValue(index).IsEmpty;
    }

    private ReadOnlySpan<byte> WellKnown(WellKnownVariable variable)
    {
        var index = _wellKnown[(int)variable];
        return index < 0 ? default : GetValue(index);
    }

    private Entry EntryAt(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
        return _entries[index];
    }

    // RFC 3875 §4.1.2: CONTENT_LENGTH is decimal digits. "" means no body. Anything else (sign, spaces,
    // exponent, overflow) is an error, never a silent 0; a second value must agree with the first.
    private void TrackContentLength(ReadOnlySpan<byte> value)
    {
        var parsed = -1L;
        if (!value.IsEmpty && !TryParseDecimal(value, out parsed))
        {
            _contentLengthInvalid = true;
            return;
        }

        if (_wellKnown[(int)WellKnownVariable.ContentLength] != _count && parsed != _contentLength)
        {
            _contentLengthInvalid = true;
            return;
        }

        _contentLength = parsed;
    }

    private static bool TryParseDecimal(ReadOnlySpan<byte> value, out long result)
    {
        result = 0;
        if (value.Length > 19)
        {
            return false;
        }

        foreach (var b in value)
        {
            var digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false;
            }

            // 19 digits can exceed long.MaxValue only in the last step.
            if (result > (long.MaxValue - digit) / 10)
            {
                return false;
            }

            result = (result * 10) + digit;
        }

        return true;
    }

    private static int? ParsePort(ReadOnlySpan<byte> value)
        => !value.IsEmpty && value.Length <= 5 && TryParseDecimal(value, out var port) && port <= ushort.MaxValue ? (int)port : null;

    private static void Grow<T>(ref T[] array, int size, int keep = -1)
    {
        var bigger = ArrayPool<T>.Shared.Rent(size);
        array.AsSpan(0, keep < 0 ? array.Length : keep).CopyTo(bigger);
        ArrayPool<T>.Shared.Return(array);
        array = bigger;
    }

    /// <summary>Walks the header variables (see <see cref="Headers"/>), yielding each one's index.</summary>
    public struct HeaderEnumerator
    {
        private readonly GatewayVariables _variables;
        private int _index;

        internal HeaderEnumerator(GatewayVariables variables)
        {
            _variables = variables;
            _index = -1;
        }

        /// <summary>The index of the current header variable.</summary>
        public readonly int Current => _index;

        /// <summary>Returns this enumerator, for <c>foreach</c>.</summary>
        public readonly HeaderEnumerator GetEnumerator() => this;

        /// <summary>Moves to the next header variable.</summary>
        public bool MoveNext()
        {
            while (++_index < _variables._count)
            {
                if (_variables.IsHeader(_index))
                {
                    return true;
                }
            }

            return false;
        }
    }

    internal readonly record struct Entry(int NameStart, int NameLength, int ValueLength);
}
