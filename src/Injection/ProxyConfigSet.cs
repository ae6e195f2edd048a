using Mesh.Istio;
using Mesh.Istio.Networking;

namespace Mesh.Injection;

/// <summary>
/// The ProxyConfig resources in force, and Istio's rule for which apply to a pod (EffectiveProxyConfig): the root
/// namespace's one without a selector (the mesh's), then the pod's namespace's one without a selector, then the pod's
/// <c>proxy.istio.io/config</c> annotation, then the one of its namespace whose selector matches its labels; each over
/// the one before, and all over meshConfig's defaultConfig. Where several could apply, Istio takes the oldest; Istio
/// resources carry no creation time here, so the first by name applies, and the pod's review says which.
/// </summary>
public sealed class ProxyConfigSet
{
    private readonly Dictionary<string, List<ProxyConfig>> _byNamespace = new(StringComparer.Ordinal);
    private readonly string _rootNamespace;

    public static ProxyConfigSet Empty { get; } = new([], "istio-system");

    public ProxyConfigSet(IEnumerable<ProxyConfig> proxyConfigs, string rootNamespace)
    {
        _rootNamespace = rootNamespace;
        var all = new List<ProxyConfig>(proxyConfigs);
        all.Sort(static (a, b) =>
        {
            var byNamespace = string.CompareOrdinal(a.Metadata.Namespace, b.Metadata.Namespace);
            return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.Metadata.Name, b.Metadata.Name);
        });
        foreach (var proxyConfig in all)
        {
            if (!_byNamespace.TryGetValue(proxyConfig.Metadata.Namespace, out var inNamespace)) _byNamespace[proxyConfig.Metadata.Namespace] = inNamespace = [];
            inNamespace.Add(proxyConfig);
        }
        All = all;
    }

    /// <summary>Sorted by namespace, then name.</summary>
    public IReadOnlyList<ProxyConfig> All { get; }

    /// <summary>The ProxyConfigs that apply to a pod of <paramref name="ns"/> with these labels, broadest first.</summary>
    internal ProxyConfigLayers For(string ns, IReadOnlyDictionary<string, string> labels, ICollection<string> warnings)
    {
        var mesh = NamespaceWide(_rootNamespace, warnings);
        var namespaceWide = ns == _rootNamespace ? null : NamespaceWide(ns, warnings);
        ProxyConfig? workload = null;
        List<string>? alsoSelecting = null;
        foreach (var proxyConfig in _byNamespace.GetValueOrDefault(ns) ?? [])
        {
            // Istio: a selector without labels selects nothing (and does not make the ProxyConfig namespace-wide).
            if (proxyConfig.Spec.Selector is not { MatchLabels.Count: > 0 } selector || !selector.Selects(labels)) continue;
            if (workload is null) workload = proxyConfig;
            else (alsoSelecting ??= []).Add(proxyConfig.Metadata.Name);
        }

        if (alsoSelecting is not null)
        {
            warnings.Add($"ProxyConfigs {workload!.Metadata.Name}, {string.Join(", ", alsoSelecting)} in namespace {ns} all select this pod, which Istio leaves undefined: {workload.Metadata.Name} applies (the first by name)");
        }

        return new ProxyConfigLayers(mesh, namespaceWide, workload);
    }

    private ProxyConfig? NamespaceWide(string ns, ICollection<string> warnings)
    {
        ProxyConfig? first = null;
        List<string>? others = null;
        foreach (var proxyConfig in _byNamespace.GetValueOrDefault(ns) ?? [])
        {
            if (proxyConfig.Spec.Selector is not null) continue;
            if (first is null) first = proxyConfig;
            else (others ??= []).Add(proxyConfig.Metadata.Name);
        }

        if (others is not null)
        {
            warnings.Add($"ProxyConfigs {first!.Metadata.Name}, {string.Join(", ", others)} in namespace {ns} have no selector, and Istio allows one: {first.Metadata.Name} applies (the first by name)");
        }

        return first;
    }
}

/// <summary>The ProxyConfigs that apply to one pod, broadest first; the pod's annotation goes between the last two.</summary>
internal readonly record struct ProxyConfigLayers(ProxyConfig? Mesh, ProxyConfig? Namespace, ProxyConfig? Workload);
