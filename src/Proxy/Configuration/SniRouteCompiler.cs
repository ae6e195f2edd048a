// Compiles a passthrough listener's sni_routes, rejecting them with a field path when they are invalid.
using System.Collections.Frozen;
using Google.Protobuf.Collections;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Configuration;

internal static class SniRouteCompiler
{
    public static SniRouteTable Compile(RepeatedField<SniRoute> routes, string listenerPath)
    {
        var exact = new Dictionary<string, SniRouteModel>(StringComparer.OrdinalIgnoreCase);
        var suffixes = new List<(string Suffix, SniRouteModel Route)>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        SniRouteModel? any = null;
        for (var r = 0; r < routes.Count; r++)
        {
            var config = routes[r];
            var path = $"{listenerPath}.sni_routes[{r}] '{config.Name}'";
            var route = CompileClusters(config, path);
            if (config.SniHosts.Count == 0)
            {
                throw new ConfigRejectedException($"{path}.sni_hosts: a route needs at least one server name");
            }

            for (var h = 0; h < config.SniHosts.Count; h++)
            {
                var host = config.SniHosts[h];
                var hostPath = $"{path}.sni_hosts[{h}]";
                if (!seen.Add(host))
                {
                    throw new ConfigRejectedException($"{hostPath}: '{host}' is already taken by an earlier route (each server name may name one route)");
                }

                if (host == "*")
                {
                    any = route;
                }
                else if (host.StartsWith("*.", StringComparison.Ordinal) && host.Length > 2 && !host[2..].Contains('*'))
                {
                    suffixes.Add((host[1..], route));
                }
                else if (host.Length > 0 && !host.Contains('*'))
                {
                    exact.Add(host, route);
                }
                else
                {
                    throw new ConfigRejectedException($"{hostPath}: '{host}' is not a server name (expected 'host', '*.suffix' or '*')");
                }
            }
        }

        suffixes.Sort(static (a, b) => b.Suffix.Length.CompareTo(a.Suffix.Length));
        return new SniRouteTable(exact.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), suffixes.ToArray(), any);
    }

    private static SniRouteModel CompileClusters(SniRoute config, string path)
    {
        if (config.Clusters.Count == 0)
        {
            throw new ConfigRejectedException($"{path}.clusters: a route needs at least one cluster");
        }

        var names = new string[config.Clusters.Count];
        var weights = new int[config.Clusters.Count];
        for (var c = 0; c < names.Length; c++)
        {
            var cluster = config.Clusters[c];
            if (string.IsNullOrEmpty(cluster.Name))
            {
                throw new ConfigRejectedException($"{path}.clusters[{c}].name: a cluster name is required");
            }

            if (cluster.Weight is 0 or > 1_000_000)
            {
                throw new ConfigRejectedException($"{path}.clusters[{c}].weight: {cluster.Weight} is not a weight (1 to 1000000)");
            }

            names[c] = cluster.Name;
            weights[c] = (int)cluster.Weight;
        }

        return new SniRouteModel(config.Name, names, weights);
    }
}
