using DiscoveryHeaderOperations = Mesh.Contracts.Discovery.HeaderOperations;
using IstioHeaderOperations = Mesh.Istio.Networking.HeaderOperations;

namespace Mesh.ControlPlane.Translation;

/// <summary>Copies Istio <c>headers.request</c> / <c>headers.response</c> operations, sorted so output is stable.</summary>
internal static class HeaderOperationsTranslator
{
    public static DiscoveryHeaderOperations? Translate(IstioHeaderOperations? operations)
    {
        if (operations is null) return null;
        var result = new DiscoveryHeaderOperations();
        foreach (var (key, value) in Sorted(operations.Set)) result.Set[key] = value;
        foreach (var (key, value) in Sorted(operations.Add)) result.Add[key] = value;
        result.Remove.AddRange(operations.Remove);
        return result;
    }

    private static List<KeyValuePair<string, string>> Sorted(IReadOnlyDictionary<string, string> map)
    {
        var list = new List<KeyValuePair<string, string>>(map);
        list.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return list;
    }
}
