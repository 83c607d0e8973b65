using System.Net;
using Bridge.Integration.Tests.Fixtures;
using Docker.DotNet;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Networks;

namespace Bridge.Integration.Tests.Containers;

/// <summary>
/// A private Docker network (bridge driver, no outbound NAT: dockerd runs with --ip-masq=false) whose containers get
/// fixed addresses, so that a restarted container comes back where nginx's upstream block expects it. Docker gives
/// fixed addresses only on a subnet the user chose: the subnet Docker picks from its pool for a first, empty network
/// is taken for the real one (no range is written in the tests, none can clash with the machine's own).
/// </summary>
internal sealed class PrivateNetwork : IAsyncDisposable
{
    private readonly byte[] _base;

    private PrivateNetwork(INetwork network, string subnet)
    {
        Network = network;
        Subnet = subnet;
        _base = IPAddress.Parse(subnet.Split('/')[0]).GetAddressBytes();
    }

    public INetwork Network { get; }

    public string Name => Network.Name;

    /// <summary>The network's range, e.g. 172.20.0.0/16: what Bridge:AllowedFrontEnds is set to.</summary>
    public string Subnet { get; }

    public static async Task<PrivateNetwork> CreateAsync(string purpose)
    {
        for (var attempt = 1; ; attempt++)
        {
            var probe = DockerEngine.Network(DockerEngine.UniqueName(purpose + "-probe")).Build();
            await probe.CreateAsync();
            IPAMConfig picked;
            try
            {
                picked = (await DockerEngine.Client.Networks.InspectNetworkAsync(probe.Name)).IPAM!.Config!.Single();
            }
            finally
            {
                await probe.DeleteAsync();
            }

            var network = DockerEngine.Network(DockerEngine.UniqueName(purpose))
                .WithCreateParameterModifier(p => p.IPAM = new IPAM { Config = [new IPAMConfig { Subnet = picked.Subnet, Gateway = picked.Gateway }] })
                .Build();
            try
            {
                await network.CreateAsync();
                return new PrivateNetwork(network, picked.Subnet!);
            }
            catch (DockerApiException) when (attempt < 3)
            {
                // another network took the range in between: pick again
            }
        }
    }

    /// <summary>The <paramref name="host"/>-th address of the range (the gateway is the 1st): e.g. 172.20.0.10 for 10.</summary>
    public string Address(int host)
    {
        var bytes = (byte[])_base.Clone();
        bytes[^1] = checked((byte)(bytes[^1] + host));
        return new IPAddress(bytes).ToString();
    }

    public ValueTask DisposeAsync() => Network.DisposeAsync();
}
