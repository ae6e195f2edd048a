using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Configuration;

/// <summary>Compiles listeners and their authorization, rejecting unknown addresses, bad ports and duplicate names or sockets.</summary>
internal static class ListenerCompiler
{
    public static Dictionary<string, ListenerModel> Compile(IReadOnlyList<Listener> listeners, string context)
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

            var model = new ListenerModel(listener, new IPEndPoint(address, (int)listener.Port))
            {
                SniRoutes = listener.SniRoutes.Count > 0 ? SniRouteCompiler.Compile(listener.SniRoutes, path) : null,
                JwtAuthentication = listener.JwtAuthentication is { } jwt ? JwtAuthenticationCompiler.Compile(jwt, $"{path}.jwt_authentication") : null,
                Authorization = listener.Authorization is { } authorization ? AuthorizationCompiler.Compile(authorization, path) : null,
                TcpRoute = listener.TcpClusters.Count > 0 ? CompileTcpRoute(listener, path) : null,
            };
            if (!byEndPoint.TryAdd(model.EndPointKey, model))
            {
                throw new ConfigRejectedException($"{path}: {model.EndPointKey} is already used by listener '{byEndPoint[model.EndPointKey].Name}'");
            }
        }

        return byEndPoint;
    }

    private static TcpRouteModel CompileTcpRoute(Listener listener, string path)
    {
        var names = new string[listener.TcpClusters.Count];
        var weights = new int[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            var cluster = listener.TcpClusters[i];
            if (string.IsNullOrEmpty(cluster.Name))
            {
                throw new ConfigRejectedException($"{path}.tcp_clusters[{i}].name: a TCP cluster needs a name");
            }

            names[i] = cluster.Name;
            weights[i] = (int)Math.Min(cluster.Weight, int.MaxValue / names.Length);
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
