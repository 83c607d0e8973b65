using System.Security.Cryptography;
using System.Text;

namespace Bridge.Server.Gateway;

/// <summary>
/// The server's half of the WebSocket opening handshake (RFC 6455 section 4.2): what a client's request must carry,
/// and the <c>Sec-WebSocket-Accept</c> value that answers its key.
/// </summary>
internal static class WebSocketHandshake
{
    private const string KeyGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"; // RFC 6455 section 1.3
    private const int KeyLength = 16; // the key is 16 random bytes, base64-encoded (section 4.1)

    /// <summary>Returns the request's Sec-WebSocket-Key; throws a 400 <see cref="RequestRejectedException"/> for a request that is no handshake.</summary>
    public static string Validate(GatewayRequest request)
    {
        if (request.Method != "GET")
        {
            throw new RequestRejectedException($"A WebSocket handshake is a GET, not a {request.Method}.");
        }

        if (!HasToken(request.GetHeader("Upgrade"), "websocket"))
        {
            throw new RequestRejectedException("The request's Upgrade header does not ask for websocket.");
        }

        if (request.GetHeader("Sec-WebSocket-Version")?.Trim() != "13")
        {
            throw new RequestRejectedException("The request's Sec-WebSocket-Version is not 13.");
        }

        var key = request.GetHeader("Sec-WebSocket-Key")?.Trim();
        Span<byte> decoded = stackalloc byte[KeyLength + 2];
        if (key is null || !Convert.TryFromBase64String(key, decoded, out var length) || length != KeyLength)
        {
            throw new RequestRejectedException("The request's Sec-WebSocket-Key is missing or not 16 bytes in base64.");
        }

        return key;
    }

    /// <summary>base64(SHA-1(key + the RFC's GUID)).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "RFC 6455 fixes SHA-1 for the handshake; it proves the server read the key, nothing secret.")]
    public static string Accept(string key)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(Encoding.ASCII.GetBytes(key + KeyGuid), hash);
        return Convert.ToBase64String(hash);
    }

    // A comma-separated header holds the token (any case).
    private static bool HasToken(string? header, string token)
    {
        if (header is null)
        {
            return false;
        }

        foreach (var part in header.Split(','))
        {
            if (part.Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
