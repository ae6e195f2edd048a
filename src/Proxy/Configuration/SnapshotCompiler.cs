using System.Collections.Frozen;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Configuration;

/// <summary>
/// Builds the next <see cref="ProxySnapshot"/> from the previous one with one resource type replaced: by the whole set a
/// response carries, or by the previous set with an incremental response's changes applied. Only the parts that depend
/// on the changed type are recompiled; anything invalid throws <see cref="ConfigRejectedException"/>.
/// </summary>
internal sealed class SnapshotCompiler(ClusterCompiler clusterCompiler)
{
    public ProxySnapshot Compile(ProxySnapshot previous, DiscoveryResponse response)
    {
        var context = $"{TypeUrls.ShortName(response.TypeUrl)} v{response.VersionInfo}";
        var resources = response.Incremental
            ? ApplyIncrement(previous.GetApplied(response.TypeUrl), response, Unpack(response, context), context)
            : Unpack(response, context);
        var applied = new AppliedResources(response.TypeUrl, response.VersionInfo, response.Nonce, resources);
        var appliedByType = new Dictionary<string, AppliedResources>(previous.Applied, StringComparer.Ordinal) { [response.TypeUrl] = applied };
        var listeners = previous.ListenersByEndPoint;
        var handoffs = previous.Handoffs;
        var routeTables = previous.RouteTables;
        var clusters = previous.Clusters;

        switch (response.TypeUrl)
        {
            case TypeUrls.Listener:
                // Clusters are pushed before listeners (TypeUrls.PushOrder): a listener's tcp_clusters must name known ones.
                listeners = ListenerCompiler.Compile(Cast<Listener>(applied), previous.Clusters, context).ToFrozenDictionary(StringComparer.Ordinal);
                handoffs = HandoffTable.Build(listeners.Values);
                break;
            case TypeUrls.Route:
                routeTables = CompileRouteTables(Cast<RouteConfiguration>(applied), context);
                break;
            case TypeUrls.Cluster:
            case TypeUrls.Endpoints:
                clusters = clusterCompiler.Compile(
                    Cast<Cluster>(Get(appliedByType, TypeUrls.Cluster)),
                    Cast<ClusterLoadAssignment>(Get(appliedByType, TypeUrls.Endpoints)),
                    previous.Clusters,
                    context).ToFrozenDictionary(StringComparer.Ordinal);
                break;
        }

        return new ProxySnapshot(listeners, routeTables, clusters, appliedByType.ToFrozenDictionary(StringComparer.Ordinal)) { Handoffs = handoffs };
    }

    private static FrozenDictionary<string, RouteTable> CompileRouteTables(IReadOnlyList<RouteConfiguration> configs, string context)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var partNames = new HashSet<string>(StringComparer.Ordinal);
        var partsOf = new Dictionary<string, List<RouteConfiguration>>(StringComparer.Ordinal);
        for (var i = 0; i < configs.Count; i++)
        {
            var config = configs[i];
            if (string.IsNullOrEmpty(config.Name) || !names.Add(config.Name))
            {
                throw new ConfigRejectedException($"{context}: route_configurations[{i}] '{config.Name}'.name: route configuration names must be present and unique");
            }

            if (config.PartOf.Length == 0) continue;
            partNames.Add(config.Name);
            if (!partsOf.TryGetValue(config.PartOf, out var parts)) partsOf.Add(config.PartOf, parts = []);
            parts.Add(config);
        }

        var tables = new Dictionary<string, RouteTable>(configs.Count, StringComparer.Ordinal);
        for (var i = 0; i < configs.Count; i++)
        {
            var config = configs[i];
            var path = $"{context}: route_configurations[{i}] '{config.Name}'";
            if (config.PartOf.Length > 0)
            {
                // A part joins a whole configuration's table, never another part's.
                if (!names.Contains(config.PartOf) || partNames.Contains(config.PartOf))
                {
                    throw new ConfigRejectedException($"{path}.part_of: '{config.PartOf}' is not a route configuration of this set that is not itself a part");
                }

                continue;
            }

            var whole = config;
            if (partsOf.TryGetValue(config.Name, out var parts))
            {
                parts.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                whole = new RouteConfiguration { Name = config.Name };
                foreach (var part in parts) whole.VirtualHosts.AddRange(part.VirtualHosts);
                whole.VirtualHosts.AddRange(config.VirtualHosts);
                path += $" with its {parts.Count} parts";
            }

            tables.Add(config.Name, RouteTableCompiler.Compile(whole, path));
        }

        return tables.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// The set an incremental response makes of the set it was built on: the changes replace or add by name, the
    /// removed names go. Rejected when this proxy does not hold the set it was built on, or a removed name is not in it.
    /// </summary>
    private static IReadOnlyList<IMessage> ApplyIncrement(AppliedResources held, DiscoveryResponse response, IReadOnlyList<IMessage> changes, string context)
    {
        if (!held.IsApplied || held.Version != response.BaseVersion)
        {
            throw new ConfigRejectedException(
                $"{context}: an increment on version '{response.BaseVersion}', but this proxy holds {(held.IsApplied ? $"version '{held.Version}'" : "none")}");
        }

        var byName = new SortedDictionary<string, IMessage>(StringComparer.Ordinal);
        foreach (var resource in held.Resources) byName[ResourceNames.Of(resource)] = resource;
        foreach (var name in response.RemovedResources)
        {
            if (!byName.Remove(name)) throw new ConfigRejectedException($"{context}: removed_resources names '{name}', which this proxy does not hold");
        }

        foreach (var change in changes) byName[ResourceNames.Of(change)] = change;
        return [.. byName.Values];
    }

    private static IReadOnlyList<IMessage> Unpack(DiscoveryResponse response, string context)
    {
        var descriptor = response.TypeUrl switch
        {
            TypeUrls.Listener => Listener.Descriptor,
            TypeUrls.Route => RouteConfiguration.Descriptor,
            TypeUrls.Cluster => Cluster.Descriptor,
            TypeUrls.Endpoints => ClusterLoadAssignment.Descriptor,
            _ => throw new ConfigRejectedException($"{context}: unknown resource type '{response.TypeUrl}'"),
        };

        var resources = new IMessage[response.Resources.Count];
        for (var i = 0; i < resources.Length; i++)
        {
            Any any = response.Resources[i];
            if (any.TypeUrl != response.TypeUrl)
            {
                throw new ConfigRejectedException($"{context}: resources[{i}] has type '{any.TypeUrl}', expected '{response.TypeUrl}'");
            }

            try
            {
                resources[i] = descriptor.Parser.ParseFrom(any.Value);
            }
            catch (InvalidProtocolBufferException ex)
            {
                throw new ConfigRejectedException($"{context}: resources[{i}] cannot be decoded: {ex.Message}");
            }
        }

        return resources;
    }

    private static AppliedResources Get(Dictionary<string, AppliedResources> applied, string typeUrl) =>
        applied.TryGetValue(typeUrl, out var resources) ? resources : AppliedResources.None(typeUrl);

    private static List<T> Cast<T>(AppliedResources applied)
        where T : IMessage
    {
        var result = new List<T>(applied.Resources.Count);
        foreach (var resource in applied.Resources)
        {
            result.Add((T)resource);
        }

        return result;
    }
}
