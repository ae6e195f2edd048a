namespace Mesh.Istio.Analysis;

/// <summary>
/// A kind of analysis message: its code, name and level. Checks that are Istio's carry Istio's code (from istioctl
/// analyze's message list), so a person can look it up in Istio's documentation; checks of this mesh's own carry a
/// <c>MESH</c> code, because no Istio code means "accepted but without effect in this implementation".
/// </summary>
public sealed record AnalysisMessageType(string Code, string Name, AnalysisLevel Level)
{
    public static readonly AnalysisMessageType ReferencedResourceNotFound = new("IST0101", "ReferencedResourceNotFound", AnalysisLevel.Error);

    public static readonly AnalysisMessageType ConflictingMeshGatewayVirtualServiceHosts = new("IST0109", "ConflictingMeshGatewayVirtualServiceHosts", AnalysisLevel.Error);

    public static readonly AnalysisMessageType ConflictingSidecarWorkloadSelectors = new("IST0110", "ConflictingSidecarWorkloadSelectors", AnalysisLevel.Error);

    public static readonly AnalysisMessageType MultipleSidecarsWithoutWorkloadSelectors = new("IST0111", "MultipleSidecarsWithoutWorkloadSelectors", AnalysisLevel.Error);

    public static readonly AnalysisMessageType VirtualServiceUnreachableRule = new("IST0130", "VirtualServiceUnreachableRule", AnalysisLevel.Warning);

    public static readonly AnalysisMessageType VirtualServiceIneffectiveMatch = new("IST0131", "VirtualServiceIneffectiveMatch", AnalysisLevel.Info);

    public static readonly AnalysisMessageType ConflictingGateways = new("IST0145", "ConflictingGateways", AnalysisLevel.Error);

    public static readonly AnalysisMessageType DestinationRuleSubsetNotSelectPods = new("IST0173", "DestinationRuleSubsetNotSelectPods", AnalysisLevel.Warning);

    /// <summary>A field (or a whole resource) Istio would apply that this mesh accepts but does not apply.</summary>
    public static readonly AnalysisMessageType NotEffective = new("MESH0001", "NotEffectiveInThisMesh", AnalysisLevel.Warning);

    /// <summary>The same kind, namespace and name defined twice: one copy is served, the other is not.</summary>
    public static readonly AnalysisMessageType DuplicateResource = new("MESH0002", "DuplicateResource", AnalysisLevel.Error);

    /// <summary>A subset, or a trafficPolicy, that an earlier DestinationRule of the same host and namespace has: the rules merge, and it is dropped.</summary>
    public static readonly AnalysisMessageType MergedDestinationRuleLoss = new("MESH0003", "MergedDestinationRuleLoss", AnalysisLevel.Warning);

    /// <summary>ProxyConfigs of one namespace that Istio allows one of: several without a selector, or several with the same one.</summary>
    public static readonly AnalysisMessageType ConflictingProxyConfigs = new("MESH0004", "ConflictingProxyConfigs", AnalysisLevel.Warning);

    /// <summary>Every type, in code order (what the docs list).</summary>
    public static IReadOnlyList<AnalysisMessageType> All { get; } =
    [
        ReferencedResourceNotFound, ConflictingMeshGatewayVirtualServiceHosts, ConflictingSidecarWorkloadSelectors, MultipleSidecarsWithoutWorkloadSelectors,
        VirtualServiceUnreachableRule, VirtualServiceIneffectiveMatch,
        ConflictingGateways, DestinationRuleSubsetNotSelectPods, NotEffective, DuplicateResource, MergedDestinationRuleLoss,
        ConflictingProxyConfigs,
    ];
}
