namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// The istio ConfigMap's <c>mesh</c> key, read: the fields this control plane acts on (null when absent) and the path
/// of every field written, so that the ones without effect can be named.
/// </summary>
internal sealed record MeshConfigDocument
{
    public static MeshConfigDocument Empty { get; } = new();

    public string? DiscoveryAddress { get; init; }

    public bool? HoldApplicationUntilProxyStarts { get; init; }

    public bool? EnablePrometheusMerge { get; init; }

    public string? TrustDomain { get; init; }

    public string? RootNamespace { get; init; }

    public Model.OutboundTrafficPolicyMode? OutboundTrafficPolicy { get; init; }

    public string? IngressClass { get; init; }

    public Model.IngressControllerMode? IngressControllerMode { get; init; }

    public string? IngressSelector { get; init; }

    public string? IngressService { get; init; }

    /// <summary>Every field with a value, as a dotted path to a scalar or a list ("outboundTrafficPolicy.mode", "extensionProviders").</summary>
    public IReadOnlyList<string> Fields { get; init; } = [];
}
