using Bridge.Protocol.Gateway;
using Bridge.Server.Gateway;

namespace Bridge.AspNetCore;

/// <summary>
/// What the front end sent beyond HTTP: every gateway variable as it arrived (nginx's REMOTE_ADDR, SERVER_NAME,
/// DOCUMENT_ROOT, custom <c>uwsgi_param</c>/<c>fastcgi_param</c> values) and the wire protocol.
/// <c>HttpContext.Features.Get&lt;IGatewayVariablesFeature&gt;()</c>; valid for the request only.
/// </summary>
public interface IGatewayVariablesFeature
{
    /// <summary>The variables, in arrival order, duplicates kept.</summary>
    GatewayVariables Variables { get; }

    /// <summary>uwsgi or FastCGI.</summary>
    GatewayProtocol Gateway { get; }
}
