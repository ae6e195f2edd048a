// Chooses the SNI route of a passthrough listener for a server name, the way Envoy matches filter chains by server_names.
using System.Collections.Frozen;

namespace Mesh.Proxy.Model;

/// <summary>An exact name first, then the longest "*.suffix" the name ends with, then "*"; no match: null.</summary>
internal sealed class SniRouteTable(FrozenDictionary<string, SniRouteModel> exact, (string Suffix, SniRouteModel Route)[] suffixesLongestFirst, SniRouteModel? any)
{
    public SniRouteModel? Match(string? serverName)
    {
        if (string.IsNullOrEmpty(serverName))
        {
            // A client that sends no SNI can only be taken by a "*" route.
            return any;
        }

        if (exact.TryGetValue(serverName, out var route))
        {
            return route;
        }

        foreach (var (suffix, candidate) in suffixesLongestFirst)
        {
            // "*.example.com" takes "a.example.com" and "a.b.example.com", never "example.com" itself.
            if (serverName.Length > suffix.Length && serverName.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        return any;
    }
}
