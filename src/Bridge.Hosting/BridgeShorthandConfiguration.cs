using Bridge.Server.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Bridge.Hosting;

/// <summary>
/// Lets an app take <c>--listen unix:/run/app.sock --protocol uwsgi --socket-group www-data</c> with no parsing of
/// its own: the host's command-line provider files <c>--listen X</c> under the key <c>listen</c>, and this turns the
/// short keys into one more listener (after the <c>Bridge</c> section has been bound).
/// </summary>
internal sealed class BridgeShorthandConfiguration(IConfiguration configuration) : IConfigureOptions<BridgeOptions>
{
    public void Configure(BridgeOptions options)
    {
        var accessLog = configuration["access-log"];
        if (accessLog is not null)
        {
            options.AccessLog = accessLog is "on" or "true" or "1";
        }

        var address = configuration["listen"];
        if (string.IsNullOrEmpty(address) || options.Listeners.Any(l => l.Address == address))
        {
            return;
        }

        var listener = new BridgeListenerOptions { Address = address };
        if (configuration["protocol"] is { } protocol)
        {
            listener.Protocol = Enum.TryParse<ListenerProtocol>(protocol, ignoreCase: true, out var parsed)
                ? parsed
                : throw new OptionsValidationException(BridgeOptions.SectionName, typeof(BridgeOptions), [$"--protocol: '{protocol}' is not uwsgi, fastcgi or auto."]);
        }

        listener.SocketMode = configuration["socket-mode"] ?? listener.SocketMode;
        listener.SocketOwner = configuration["socket-owner"] ?? listener.SocketOwner;
        listener.SocketGroup = configuration["socket-group"] ?? listener.SocketGroup;
        if (configuration["backlog"] is { } backlog)
        {
            listener.Backlog = int.TryParse(backlog, out var value) ? value : -1; // the validator names a bad one
        }

        options.Listeners.Add(listener);
    }
}
