using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Everything of a proxy that its outbound clusters and endpoints depend on, and all that their build reads of it:
/// proxies with equal inputs share one build (<see cref="SharedTranslation"/>).
/// </summary>
/// <param name="Namespace">What is exported to it, and which DestinationRule applies.</param>
/// <param name="Scope">What its Sidecar resource imports (one instance per Sidecar and namespace in a snapshot).</param>
/// <param name="Locality">Its locality: locality failover and <c>distribute</c> are relative to it.</param>
/// <param name="Labels">Its labels when some failoverPriority reads them; otherwise none.</param>
/// <param name="LabelsKey">Those labels in canonical form (<see cref="OutboundRouteInputs.Canonical"/>): what equality compares.</param>
/// <param name="IsGateway">A gateway (router): it sends a detected port's requests as HTTP/1.1, not as its client spoke.</param>
/// <param name="SelectingRules">
/// The DestinationRules whose workloadSelector selects it (<see cref="MeshSnapshot.DestinationRulesSelecting"/>):
/// all its labels decide of them. Compared element by element, as the snapshot's own instances.
/// </param>
internal sealed record OutboundClusterInputs(string Namespace, SidecarScope Scope, string Locality, IReadOnlyDictionary<string, string> Labels, string LabelsKey,
    bool IsGateway, IReadOnlyList<DestinationRuleModel> SelectingRules)
{
    public static OutboundClusterInputs Of(ProxyContext proxy, MeshSnapshot snapshot, SharedTranslation shared)
    {
        var isGateway = proxy.Node.Role == ProxyRole.Router;
        var selecting = snapshot.DestinationRulesSelecting(proxy.Namespace, proxy.Labels);
        return shared.ClustersReadLabels
            ? new(proxy.Namespace, proxy.Scope, proxy.Locality, proxy.Labels, OutboundRouteInputs.Canonical(proxy.Labels), isGateway, selecting)
            : new(proxy.Namespace, proxy.Scope, proxy.Locality, OutboundRouteInputs.NoLabels, "", isGateway, selecting);
    }

    public bool Equals(OutboundClusterInputs? other) =>
        other is not null && Namespace == other.Namespace && ReferenceEquals(Scope, other.Scope) && Locality == other.Locality && LabelsKey == other.LabelsKey
        && IsGateway == other.IsGateway && SameRules(SelectingRules, other.SelectingRules);

    public override int GetHashCode() => HashCode.Combine(Namespace, Scope, Locality, LabelsKey, IsGateway, SelectingRules.Count);

    private static bool SameRules(IReadOnlyList<DestinationRuleModel> left, IReadOnlyList<DestinationRuleModel> right)
    {
        if (left.Count != right.Count) return false;
        for (var i = 0; i < left.Count; i++)
        {
            if (!ReferenceEquals(left[i], right[i])) return false;
        }
        return true;
    }
}
