using Bridge.Protocol;

namespace Bridge.Server.Connections;

/// <summary>The one place a protocol rejection becomes a status code, on both protocols where the request can still be answered.</summary>
internal static class ProtocolErrorStatus
{
    public static int For(ProtocolError error) => error switch
    {
        ProtocolError.VarsBlockTooLarge or ProtocolError.TooManyVariables or ProtocolError.ParamsTooLarge => 431,
        ProtocolError.UnsupportedModifier => 501,
        _ => 400,
    };
}
