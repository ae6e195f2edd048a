using System.Collections.Frozen;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Configuration;

/// <summary>
/// Builds the next <see cref="ProxySnapshot"/> from the previous one with one resource type replaced. Only the parts
/// that depend on the changed type are recompiled; anything invalid throws <see cref="ConfigRejectedException"/>.
/// </summary>
internal sealed class SnapshotCompiler(ClusterCompiler clusterCompiler)
{
    public ProxySnapshot Compile(ProxySnapshot previous, DiscoveryResponse response)
    {
        var context = $"{TypeUrls.ShortName(response.TypeUrl)} v{response.VersionInfo}";
        var applied = new AppliedResources(response.TypeUrl, response.VersionInfo, response.Nonce, Unpack(response, context));
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
        var tables = new Dictionary<string, RouteTable>(configs.Count, StringComparer.Ordinal);
        for (var i = 0; i < configs.Count; i++)
        {
            var config = configs[i];
            var path = $"{context}: route_configurations[{i}] '{config.Name}'";
            if (string.IsNullOrEmpty(config.Name) || tables.ContainsKey(config.Name))
            {
                throw new ConfigRejectedException($"{path}.name: route configuration names must be present and unique");
            }

            tables.Add(config.Name, RouteTableCompiler.Compile(config, path));
        }

        return tables.ToFrozenDictionary(StringComparer.Ordinal);
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
