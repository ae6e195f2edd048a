using Mesh.Contracts.Discovery;

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
internal sealed record OutboundClusterInputs(string Namespace, Model.SidecarScope Scope, string Locality, IReadOnlyDictionary<string, string> Labels, string LabelsKey,
    bool IsGateway)
{
    public static OutboundClusterInputs Of(ProxyContext proxy, SharedTranslation shared)
    {
        var isGateway = proxy.Node.Role == ProxyRole.Router;
        return shared.ClustersReadLabels
            ? new(proxy.Namespace, proxy.Scope, proxy.Locality, proxy.Labels, OutboundRouteInputs.Canonical(proxy.Labels), isGateway)
            : new(proxy.Namespace, proxy.Scope, proxy.Locality, OutboundRouteInputs.NoLabels, "", isGateway);
    }

    public bool Equals(OutboundClusterInputs? other) =>
        other is not null && Namespace == other.Namespace && ReferenceEquals(Scope, other.Scope) && Locality == other.Locality && LabelsKey == other.LabelsKey
        && IsGateway == other.IsGateway;

    public override int GetHashCode() => HashCode.Combine(Namespace, Scope, Locality, LabelsKey, IsGateway);
}
