using Mesh.Istio.Networking;

namespace Mesh.Istio.Analysis;

/// <summary>
/// ProxyConfigs that Istio allows one of, in one namespace: several without a selector, or several with the same
/// selector (which select the same pods). Istio applies the oldest and says nothing; this mesh applies the first by
/// name, and each of them gets a message saying which (MESH0004), besides the warning of each pod injected.
/// </summary>
internal static class ProxyConfigConflictCheck
{
    public static void Check(MeshIndex mesh, List<AnalysisMessage> messages)
    {
        // A selector's labels in a canonical order, so that two equal selectors group together; "" for none.
        var groups = new SortedDictionary<(string Namespace, string Selector), List<ProxyConfig>>();
        foreach (var proxyConfig in mesh.ProxyConfigs)
        {
            var key = (proxyConfig.Metadata.Namespace, Selector(proxyConfig));
            if (!groups.TryGetValue(key, out var group)) groups[key] = group = [];
            group.Add(proxyConfig);
        }

        foreach (var ((ns, selector), group) in groups)
        {
            // Empty selectors select no pod, so they cannot conflict (validation warns of each).
            if (group.Count < 2 || selector == EmptySelector) continue;
            group.Sort(static (a, b) => string.CompareOrdinal(a.Metadata.Name, b.Metadata.Name));
            var names = "[" + string.Join(" ", group.Select(static p => p.Metadata.Name)) + "]";
            var what = selector.Length == 0 ? "have no selector" : $"have the same selector ({selector})";
            foreach (var proxyConfig in group)
            {
                messages.Add(AnalysisMessage.At(AnalysisMessageType.ConflictingProxyConfigs, proxyConfig, selector.Length == 0 ? "" : "spec.selector",
                    $"The ProxyConfigs {names} in namespace \"{ns}\" {what}, which Istio allows one of: this mesh applies {group[0].Metadata.Name}."));
            }
        }
    }

    private const string EmptySelector = "{}";

    private static string Selector(ProxyConfig proxyConfig)
    {
        if (proxyConfig.Spec.Selector is not { } selector) return "";
        // A selector without labels selects nothing, unlike no selector: a key of its own.
        if (selector.MatchLabels.Count == 0) return EmptySelector;
        var labels = selector.MatchLabels.Select(static l => $"{l.Key}={l.Value}").ToList();
        labels.Sort(StringComparer.Ordinal);
        return string.Join(",", labels);
    }
}
