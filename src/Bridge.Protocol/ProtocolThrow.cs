using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Bridge.Protocol;

/// <summary>The one place protocol exceptions are thrown, so readers stay small and inlinable.</summary>
internal static class ProtocolThrow
{
    [DoesNotReturn]
    [StackTraceHidden]
    public static void Reject(ProtocolError reason) => throw new GatewayProtocolException(reason);
}
