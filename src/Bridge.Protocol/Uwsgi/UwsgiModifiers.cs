namespace Bridge.Protocol.Uwsgi;

/// <summary>
/// uwsgi modifier1 values (uWSGI's <c>uwsgi.h</c> UWSGI_MODIFIER_*, the protocol's plugin table). Bridge serves
/// those that announce an HTTP request with the standard layout (vars block, then the body).
/// </summary>
public static class UwsgiModifiers
{
    /// <summary>The standard request, nginx's default (<c>uwsgi_modifier1 0</c>).</summary>
    public const byte Standard = 0;

    /// <summary>Mono ASP.NET requests: old .NET-on-uWSGI configurations send it.</summary>
    public const byte Mono = 15;

    /// <summary>A standard request whose SCRIPT_NAME is to be removed from the start of PATH_INFO.</summary>
    public const byte ScriptNameStripping = 30;

    /// <summary>
    /// True for modifier1 values with the standard request framing: 0 (standard), 5 (PSGI), 6 (Lua),
    /// 7 (Rack), 8 (JVM), 9 (CGI), 14 (PHP), 15 (Mono), 30 (standard, strip SCRIPT_NAME). A config copied from
    /// another language's deployment keeps working. Management packets (ping 100, RPC 173, spooler 17, ...)
    /// are not requests.
    /// </summary>
    public static bool IsRequest(byte modifier1) => modifier1 switch
    {
        Standard or 5 or 6 or 7 or 8 or 9 or 14 or Mono or ScriptNameStripping => true,
        _ => false,
    };
}
