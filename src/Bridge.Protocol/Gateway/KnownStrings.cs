using System.Text;

namespace Bridge.Protocol.Gateway;

/// <summary>
/// Values that repeat on every request (methods, protocols, common header names) returned as shared strings,
/// so reading them allocates nothing; anything else is decoded as Latin-1, byte for byte.
/// </summary>
internal static class KnownStrings
{
    public static string Method(ReadOnlySpan<byte> value) => value switch
    {
        _ when value.SequenceEqual("GET"u8) => "GET",
        _ when value.SequenceEqual("POST"u8) => "POST",
        _ when value.SequenceEqual("HEAD"u8) => "HEAD",
        _ when value.SequenceEqual("PUT"u8) => "PUT",
        _ when value.SequenceEqual("DELETE"u8) => "DELETE",
        _ when value.SequenceEqual("PATCH"u8) => "PATCH",
        _ when value.SequenceEqual("OPTIONS"u8) => "OPTIONS",
        _ => Latin1(value),
    };

    public static string Protocol(ReadOnlySpan<byte> value) => value switch
    {
        _ when value.SequenceEqual("HTTP/1.1"u8) => "HTTP/1.1",
        _ when value.SequenceEqual("HTTP/1.0"u8) => "HTTP/1.0",
        _ when value.SequenceEqual("HTTP/2.0"u8) => "HTTP/2.0",
        _ when value.SequenceEqual("HTTP/2"u8) => "HTTP/2",
        _ when value.SequenceEqual("HTTP/3.0"u8) => "HTTP/3.0",
        _ => Latin1(value),
    };

    public static string Latin1(ReadOnlySpan<byte> value) => value.IsEmpty ? string.Empty : Encoding.Latin1.GetString(value);
}
