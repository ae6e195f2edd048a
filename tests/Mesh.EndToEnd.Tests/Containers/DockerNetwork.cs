namespace Mesh.EndToEnd.Tests.Containers;

/// <summary>
/// A bridge network of the test run's own: a random /24 of 10.213.0.0/16 (a range few machines route), its gateway at
/// .1 (the host's side, where a test's servers listen for the containers), labelled with the run so that cleanup finds
/// everything the run made.
/// </summary>
internal sealed class DockerNetwork
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private DockerNetwork(string name, int subnetOctet)
    {
        Name = name;
        SubnetOctet = subnetOctet;
    }

    public string Name { get; }

    /// <summary>The third octet: the network is 10.213.OCTET.0/24.</summary>
    public int SubnetOctet { get; }

    public string Subnet => $"10.213.{SubnetOctet}.0/24";
    public string Gateway => Address(1);

    public string Address(int host) => $"10.213.{SubnetOctet}.{host}";

    /// <summary>Creates the network; another run (or anything else) may hold a subnet, so a few random /24s before giving up.</summary>
    public static async Task<DockerNetwork> CreateAsync(string name, string label)
    {
        var tried = new List<string>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var network = new DockerNetwork(name, Random.Shared.Next(1, 255));
            var created = await DockerCli.RunAsync(CommandTimeout, "network", "create", "--driver", "bridge", "--subnet", network.Subnet,
                "--gateway", network.Gateway, "--label", label, name);
            if (created.Exit == 0) return network;
            tried.Add($"{network.Subnet}: {created.Err.Trim()}");
        }

        throw new InvalidOperationException("no free subnet for the test network: " + string.Join("; ", tried));
    }

    /// <summary>Removes every container labelled <paramref name="label"/> (a network cannot go while one is attached), then the network.</summary>
    public async Task RemoveAsync(string label)
    {
        await RemoveContainersAsync(label);
        await DockerCli.RunAsync(CommandTimeout, "network", "rm", Name);
    }

    /// <summary>Removes every container, running or not, that carries <paramref name="label"/>, with its anonymous volumes.</summary>
    public static async Task RemoveContainersAsync(string label)
    {
        var ids = await DockerCli.RunAsync(CommandTimeout, "ps", "-aq", "--filter", "label=" + label);
        var list = ids.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (list.Length > 0) await DockerCli.RunAsync(CommandTimeout, ["rm", "-f", "-v", .. list]);
    }
}
