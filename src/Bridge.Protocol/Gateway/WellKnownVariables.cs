namespace Bridge.Protocol.Gateway;

/// <summary>Recognises the names of <see cref="WellKnownVariable"/> from their bytes, without allocating.</summary>
internal static class WellKnownVariables
{
    public const int Count = (int)WellKnownVariable.HttpTransferEncoding + 1;

    public static bool TryMatch(ReadOnlySpan<byte> name, out WellKnownVariable variable)
    {
        variable = default;
        switch (name.Length)
        {
            case 5:
                return Is(name, "HTTPS"u8, WellKnownVariable.Https, out variable);
            case 9:
                return Is(name, "PATH_INFO"u8, WellKnownVariable.PathInfo, out variable)
                    || Is(name, "HTTP_HOST"u8, WellKnownVariable.HttpHost, out variable);
            case 11:
                return Is(name, "REQUEST_URI"u8, WellKnownVariable.RequestUri, out variable)
                    || Is(name, "SERVER_NAME"u8, WellKnownVariable.ServerName, out variable)
                    || Is(name, "SERVER_PORT"u8, WellKnownVariable.ServerPort, out variable)
                    || Is(name, "SERVER_ADDR"u8, WellKnownVariable.ServerAddr, out variable)
                    || Is(name, "REMOTE_ADDR"u8, WellKnownVariable.RemoteAddr, out variable)
                    || Is(name, "REMOTE_PORT"u8, WellKnownVariable.RemotePort, out variable)
                    || Is(name, "SCRIPT_NAME"u8, WellKnownVariable.ScriptName, out variable);
            case 12:
                return Is(name, "QUERY_STRING"u8, WellKnownVariable.QueryString, out variable)
                    || Is(name, "CONTENT_TYPE"u8, WellKnownVariable.ContentType, out variable);
            case 13:
                return Is(name, "DOCUMENT_ROOT"u8, WellKnownVariable.DocumentRoot, out variable);
            case 14:
                return Is(name, "REQUEST_METHOD"u8, WellKnownVariable.RequestMethod, out variable)
                    || Is(name, "CONTENT_LENGTH"u8, WellKnownVariable.ContentLength, out variable)
                    || Is(name, "REQUEST_SCHEME"u8, WellKnownVariable.RequestScheme, out variable);
            case 15:
                return Is(name, "SERVER_PROTOCOL"u8, WellKnownVariable.ServerProtocol, out variable)
                    || Is(name, "SERVER_SOFTWARE"u8, WellKnownVariable.ServerSoftware, out variable);
            case 22:
                return Is(name, "HTTP_TRANSFER_ENCODING"u8, WellKnownVariable.HttpTransferEncoding, out variable);
            default:
                return false;
        }
    }

    private static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> candidate, WellKnownVariable match, out WellKnownVariable variable)
    {
        variable = match;
        return name.SequenceEqual(candidate);
    }
}
