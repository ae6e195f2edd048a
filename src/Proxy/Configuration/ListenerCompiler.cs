using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Configuration;

/// <summary>
/// Compiles listeners and their authorization, rejecting unknown addresses, bad ports, duplicate names or sockets, and
/// TCP listeners whose tcp_clusters are missing or name clusters this proxy does not have.
/// </summary>
internal static class ListenerCompiler
{
    /// <param name="clusters">The clusters applied so far (CDS is pushed before LDS), which tcp_clusters must name.</param>
    public static Dictionary<string, ListenerModel> Compile(IReadOnlyList<Listener> listeners, IReadOnlyDictionary<string, ClusterModel> clusters, string context)
    {
        var byEndPoint = new Dictionary<string, ListenerModel>(listeners.Count, StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < listeners.Count; i++)
        {
            var listener = listeners[i];
            var path = $"{context}: listeners[{i}] '{listener.Name}'";
            if (string.IsNullOrEmpty(listener.Name) || !names.Add(listener.Name))
            {
                throw new ConfigRejectedException($"{path}.name: listener names must be present and unique");
            }

            if (!TryParseAddress(listener.Address, out var address))
            {
                throw new ConfigRejectedException($"{path}.address: unknown listener address '{listener.Address}' (expected an IP address or localhost)");
            }

            if (listener.Port is 0 or > 65535)
            {
                throw new ConfigRejectedException($"{path}.port: {listener.Port} is not a port");
            }

            if (listener.HandoffOnly && listener.UseOriginalDst)
            {
                throw new ConfigRejectedException($"{path}.handoff_only: a use_original_dst listener receives the captured connections, so it must bind its port");
            }

            var model = new ListenerModel(listener, new IPEndPoint(address, (int)listener.Port))
            {
                TcpRoute = CompileTcpRoute(listener, clusters, path),
                SniRoutes = listener.SniRoutes.Count > 0 ? SniRouteCompiler.Compile(listener.SniRoutes, path) : null,
                JwtAuthentication = listener.JwtAuthentication is { } jwt ? JwtAuthenticationCompiler.Compile(jwt, $"{path}.jwt_authentication") : null,
                Authorization = listener.Authorization is { } authorization ? AuthorizationCompiler.Compile(authorization, path) : null,
                Telemetry = listener.Telemetry is { } telemetry ? ListenerTelemetryCompiler.Compile(telemetry, $"{path}.telemetry") : null,
            };
            if (!byEndPoint.TryAdd(model.EndPointKey, model))
            {
                throw new ConfigRejectedException($"{path}: {model.EndPointKey} is already used by listener '{byEndPoint[model.EndPointKey].Name}'");
            }
        }

        return byEndPoint;
    }

    private static TcpRouteModel? CompileTcpRoute(Listener listener, IReadOnlyDictionary<string, ClusterModel> clusters, string path)
    {
        if (listener.Protocol is not (ListenerProtocol.Http or ListenerProtocol.Tcp or ListenerProtocol.Auto))
        {
            throw new ConfigRejectedException($"{path}.protocol: unknown protocol {(int)listener.Protocol} (expected HTTP, TCP or AUTO)");
        }

        if (listener.TcpClusters.Count == 0)
        {
            // An AUTO connection that turns out not to be HTTP, or any TCP one, would have nowhere to go.
            return listener.Protocol == ListenerProtocol.Http
                ? null
                : throw new ConfigRejectedException($"{path}.tcp_clusters: a {listener.Protocol.ToString().ToUpperInvariant()} listener needs at least one cluster for its TCP connections");
        }

        var names = new string[listener.TcpClusters.Count];
        var weights = new int[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            var cluster = listener.TcpClusters[i];
            if (!clusters.ContainsKey(cluster.Name))
            {
                throw new ConfigRejectedException($"{path}.tcp_clusters[{i}].name: unknown cluster '{cluster.Name}'");
            }

            if (cluster.Weight > int.MaxValue / names.Length)
            {
                throw new ConfigRejectedException($"{path}.tcp_clusters[{i}].weight: {cluster.Weight} is too large");
            }

            names[i] = cluster.Name;
            weights[i] = (int)cluster.Weight;
        }

        return new TcpRouteModel(names, weights, listener.TcpRouteOrigin);
    }

    private static bool TryParseAddress(string text, out IPAddress address)
    {
        if (string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
            return true;
        }

        return IPAddress.TryParse(text, out address!);
    }
}
