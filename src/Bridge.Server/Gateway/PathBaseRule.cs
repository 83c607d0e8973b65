using System.Text;
using Bridge.Protocol.Gateway;

namespace Bridge.Server.Gateway;

/// <summary>
/// How a request's path is split into PathBase and Path (<c>Bridge:PathBase</c>), read once at start:
/// <list type="bullet">
/// <item><c>auto</c> (the default): SCRIPT_NAME when it is a mount point, i.e. a proper prefix of the path at a
/// segment boundary (nginx with <c>uwsgi_param SCRIPT_NAME /app</c>, Apache's <c>ProxyPass /app uwsgi://...</c>);
/// except from lighttpd (SERVER_SOFTWARE <c>lighttpd/...</c>), whose SCRIPT_NAME is the first segment of the path
/// after its mount (the "script"), not a mount point: there PathBase is empty.</item>
/// <item><c>ScriptName</c>: SCRIPT_NAME when it is a proper prefix of the path at a segment boundary, from any front end.</item>
/// <item><c>none</c>: PathBase is always empty; Path is the whole path.</item>
/// <item>a prefix such as <c>/app</c>: as ASP.NET Core's <c>UsePathBase</c>, a path that starts with it (any case,
/// at a segment boundary) has it moved to PathBase; SCRIPT_NAME is ignored.</item>
/// </list>
/// Whatever the rule, a SCRIPT_NAME equal to the whole path (nginx's fastcgi_params, Apache's mod_proxy_fcgi: PHP's
/// meaning) is never a base.
/// </summary>
public sealed class PathBaseRule
{
    /// <summary>The default: SCRIPT_NAME when it is a mount point, except from lighttpd.</summary>
    public const string Auto = "auto";

    /// <summary>SCRIPT_NAME when it is a mount point, from any front end.</summary>
    public const string ScriptName = "ScriptName";

    /// <summary>No PathBase.</summary>
    public const string None = "none";

    private readonly Mode _mode;
    private readonly string _prefix;

    private PathBaseRule(Mode mode, string prefix = "")
    {
        _mode = mode;
        _prefix = prefix;
    }

    private enum Mode
    {
        Auto,
        ScriptName,
        None,
        Prefix,
    }

    /// <summary>Reads the option; false with a sentence saying what is wrong.</summary>
    public static bool TryParse(string? value, out PathBaseRule rule, out string? error)
    {
        error = null;
        rule = new PathBaseRule(Mode.Auto);
        if (string.IsNullOrEmpty(value) || value.Equals(Auto, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (value.Equals(ScriptName, StringComparison.OrdinalIgnoreCase) || value.Equals("SCRIPT_NAME", StringComparison.Ordinal))
        {
            rule = new PathBaseRule(Mode.ScriptName);
            return true;
        }

        if (value.Equals(None, StringComparison.OrdinalIgnoreCase))
        {
            rule = new PathBaseRule(Mode.None);
            return true;
        }

        if (value[0] != '/' || value.Length < 2 || value[^1] == '/' || value.AsSpan().IndexOfAny('?', '#', '%') >= 0)
        {
            error = $"'{value}' is not auto, ScriptName, none or a path prefix such as /app (starting with '/', not ending with '/', decoded, without '?' or '#')";
            return false;
        }

        rule = new PathBaseRule(Mode.Prefix, value);
        return true;
    }

    /// <summary>Reads a valid option (validated at start); throws <see cref="FormatException"/> otherwise.</summary>
    public static PathBaseRule Parse(string? value)
        => TryParse(value, out var rule, out var error) ? rule : throw new FormatException("Bridge:PathBase: " + error + ".");

    /// <summary>Splits the decoded <paramref name="path"/> of a request with <paramref name="variables"/>.</summary>
    public (string PathBase, string Path) Split(string path, GatewayVariables variables)
    {
        switch (_mode)
        {
            case Mode.None:
                return ("", path);
            case Mode.Prefix:
                return path.StartsWith(_prefix, StringComparison.OrdinalIgnoreCase) && (path.Length == _prefix.Length || path[_prefix.Length] == '/')
                    ? (path[.._prefix.Length], path[_prefix.Length..])
                    : ("", path);
            case Mode.Auto when variables.ServerSoftware.StartsWith("lighttpd/"u8):
                return ("", path);
            default:
                return SplitAtScriptName(path, variables.ScriptName);
        }
    }

    // A proper prefix at a segment boundary, not ending in '/'. ASCII (the usual case, and nginx's fastcgi_params
    // SCRIPT_NAME on every request) is compared in place: no string unless it is a base.
    private static (string PathBase, string Path) SplitAtScriptName(string path, ReadOnlySpan<byte> scriptName)
    {
        if (scriptName.IsEmpty || scriptName[^1] == '/')
        {
            return ("", path);
        }

        if (Ascii.IsValid(scriptName))
        {
            return scriptName.Length < path.Length && path[scriptName.Length] == '/' && Ascii.Equals(scriptName, path.AsSpan(0, scriptName.Length))
                ? (path[..scriptName.Length], path[scriptName.Length..])
                : ("", path);
        }

        var decoded = RequestPath.FromDecoded(scriptName);
        return decoded.Length < path.Length && path[decoded.Length] == '/' && path.StartsWith(decoded, StringComparison.Ordinal)
            ? (decoded, path[decoded.Length..])
            : ("", path);
    }
}
