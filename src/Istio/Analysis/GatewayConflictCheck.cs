using System.Text;
using Mesh.Istio.Networking;

namespace Mesh.Istio.Analysis;

/// <summary>
/// istioctl analyze's IST0145: Gateways with the same workload selector whose servers share a port and a host (one
/// host covering the other). The gateway proxy gets both servers on one port, and which one answers is undefined.
/// </summary>
internal static class GatewayConflictCheck
{
    public static void Check(MeshIndex mesh, List<AnalysisMessage> messages)
    {
        var gateways = new List<(string Name, Gateway Gateway, string Selector)>();
        foreach (var (name, gateway) in mesh.Gateways) gateways.Add((name, gateway, SelectorText(gateway.Spec.Selector)));
        gateways.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));

        foreach (var (name, gateway, selector) in gateways)
        {
            var servers = gateway.Spec.Servers;
            for (var i = 0; i < servers.Count; i++)
            {
                if (servers[i].Port?.Number is not { } port) continue;
                var conflicting = new List<string>();
                foreach (var (otherName, other, otherSelector) in gateways)
                {
                    if (otherName == name || otherSelector != selector) continue;
                    if (SharesPortAndHost(port, servers[i].Hosts, other.Spec.Servers)) conflicting.Add(otherName);
                }

                if (conflicting.Count > 0)
                {
                    messages.Add(AnalysisMessage.At(AnalysisMessageType.ConflictingGateways, gateway, $"spec.servers[{i}]",
                        $"Conflict with gateways {string.Join(",", conflicting)} (workload selector {selector}, port {port}, hosts {string.Join(",", servers[i].Hosts)})."));
                }
            }
        }
    }

    private static bool SharesPortAndHost(uint port, IReadOnlyList<string> hosts, IReadOnlyList<Server> servers)
    {
        foreach (var server in servers)
        {
            if (server.Port?.Number != port) continue;
            foreach (var host in hosts)
            {
                foreach (var otherHost in server.Hosts)
                {
                    var a = HostPart(host);
                    var b = HostPart(otherHost);
                    if (HostNameRules.IsSubsetOf(a, b) || HostNameRules.IsSubsetOf(b, a)) return true;
                }
            }
        }

        return false;
    }

    /// <summary>A server host is <c>[namespace/]host</c>; the namespace part limits binding, not the host served.</summary>
    private static string HostPart(string serverHost) => serverHost[(serverHost.IndexOf('/') + 1)..].ToLowerInvariant();

    /// <summary>The selector as Kubernetes prints one: <c>key=value</c> pairs sorted by key, comma separated.</summary>
    private static string SelectorText(IReadOnlyDictionary<string, string> selector)
    {
        var keys = new List<string>(selector.Keys);
        keys.Sort(StringComparer.Ordinal);
        var text = new StringBuilder();
        foreach (var key in keys)
        {
            if (text.Length > 0) text.Append(',');
            text.Append(key).Append('=').Append(selector[key]);
        }

        return text.ToString();
    }
}
