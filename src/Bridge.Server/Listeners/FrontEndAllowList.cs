using System.Net;
using System.Net.Sockets;

namespace Bridge.Server.Listeners;

/// <summary>
/// Which peers may connect to TCP listeners. Whoever connects can claim any REMOTE_ADDR and HTTPS, so the
/// default is loopback only. Entries are addresses or CIDR ranges. <c>FCGI_WEB_SERVER_ADDRS</c> (FastCGI spec
/// §3.2: a comma-separated list set in the application's environment), when set, replaces the loopback default
/// and adds to an explicit list. Unix sockets are governed by their file mode instead.
/// </summary>
public sealed class FrontEndAllowList
{
    /// <summary>The FastCGI convention's environment variable listing allowed front ends.</summary>
    public const string EnvironmentVariable = "FCGI_WEB_SERVER_ADDRS";

    private readonly IPNetwork[] _networks;

    private FrontEndAllowList(IPNetwork[] networks) => _networks = networks;

    /// <summary>
    /// Builds the list from <c>Bridge:AllowedFrontEnds</c> entries and the <see cref="EnvironmentVariable"/> value;
    /// false with every bad entry named otherwise.
    /// </summary>
    public static bool TryCreate(IEnumerable<string> configured, string? environment, out FrontEndAllowList? list, out List<string> errors)
    {
        errors = [];
        var networks = new List<IPNetwork>();
        var explicitEntries = configured.ToList();
        var fromEnvironment = string.IsNullOrWhiteSpace(environment)
            ? []
            : environment.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (explicitEntries.Count == 0 && fromEnvironment.Length == 0)
        {
            explicitEntries.AddRange(["127.0.0.0/8", "::1/128"]);
        }

        foreach (var entry in explicitEntries.Concat(fromEnvironment))
        {
            if (TryParseEntry(entry, out var network))
            {
                networks.Add(network);
            }
            else
            {
                errors.Add($"'{entry}' is not an IP address or CIDR range (e.g. 10.0.0.0/8, 192.0.2.7, ::1)");
            }
        }

        list = errors.Count == 0 ? new FrontEndAllowList([.. networks]) : null;
        return list is not null;
    }

    /// <summary>True for an allowed IP peer, and for any peer without an IP address (a Unix socket client).</summary>
    public bool IsAllowed(EndPoint? remote)
    {
        if (remote is not IPEndPoint ip)
        {
            return true;
        }

        var address = ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address;
        foreach (var network in _networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryParseEntry(string entry, out IPNetwork network)
    {
        if (IPNetwork.TryParse(entry, out network))
        {
            return true;
        }

        if (IPAddress.TryParse(entry, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }
}
