using System.Collections.Concurrent;

namespace Mesh.ControlPlane.Model;

/// <summary>
/// The Sidecars of a snapshot, by namespace, and which one applies to a proxy, as Istio chooses: a Sidecar of the
/// proxy's namespace whose workloadSelector selects it, else its namespace's Sidecar without selector, else the root
/// namespace's Sidecar without selector (the mesh default); none: the proxy sees everything. Where two could apply,
/// Istio takes the oldest; Istio resources carry no creation time here, so the first by name applies (the analyzer
/// reports the conflict, IST0110/IST0111). Scopes are computed once per Sidecar and proxy namespace, on first use.
/// </summary>
internal sealed class SidecarIndex
{
    private readonly Dictionary<string, List<SidecarModel>> _selecting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SidecarModel> _namespaceWide = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(SidecarModel Sidecar, string Namespace), SidecarScope> _scopes = new();

    public static SidecarIndex Empty { get; } = new([]);

    /// <param name="sidecars">Sorted by namespace, then name.</param>
    public SidecarIndex(IReadOnlyList<SidecarModel> sidecars)
    {
        All = sidecars;
        foreach (var sidecar in sidecars)
        {
            if (sidecar.Selector is null)
            {
                _namespaceWide.TryAdd(sidecar.Namespace, sidecar);
                continue;
            }
            if (!_selecting.TryGetValue(sidecar.Namespace, out var list)) _selecting[sidecar.Namespace] = list = [];
            list.Add(sidecar);
        }
    }

    /// <summary>Sorted by namespace, then name.</summary>
    public IReadOnlyList<SidecarModel> All { get; }

    /// <summary>The Sidecar that applies to a workload of <paramref name="ns"/> with these labels; null when none does.</summary>
    public SidecarModel? Find(string ns, IReadOnlyDictionary<string, string> labels)
    {
        if (_selecting.TryGetValue(ns, out var selecting))
        {
            foreach (var sidecar in selecting)
            {
                if (sidecar.Selects(labels)) return sidecar;
            }
        }
        return _namespaceWide.GetValueOrDefault(ns) ?? _namespaceWide.GetValueOrDefault(MeshSettings.RootNamespace);
    }

    /// <summary>What a sidecar of <paramref name="ns"/> with these labels sees.</summary>
    public SidecarScope ScopeFor(string ns, IReadOnlyDictionary<string, string> labels, MeshSnapshot snapshot) =>
        Find(ns, labels) is { } sidecar
            ? _scopes.GetOrAdd((sidecar, ns), static (key, snapshot) => new SidecarScope(key.Sidecar, key.Namespace, snapshot), snapshot)
            : SidecarScope.Default;
}
