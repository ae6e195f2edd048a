namespace Mesh.ControlPlane.Model;

/// <summary>Istio's meshConfig ingressControllerMode: which Ingresses without an IngressClass the mesh serves.</summary>
internal enum IngressControllerMode
{
    /// <summary>Only Ingresses annotated kubernetes.io/ingress.class with the mesh's ingressClass (Istio's default).</summary>
    Strict,

    /// <summary>Also Ingresses with no class at all.</summary>
    Default,

    /// <summary>No Ingress by annotation or mode (an IngressClass naming istio.io/ingress-controller still counts).</summary>
    Off,
}

/// <summary>The meshConfig fields of Kubernetes Ingress support, with Istio's defaults.</summary>
/// <param name="IngressClass">meshConfig ingressClass: the kubernetes.io/ingress.class annotation value served.</param>
/// <param name="IngressSelector">meshConfig ingressSelector: the gateway proxies (label <c>istio: &lt;value&gt;</c>) serving Ingresses; null: Istio's fallback.</param>
/// <param name="IngressService">meshConfig ingressService: the gateway Service whose addresses an Ingress's status shows.</param>
internal sealed record IngressSettings(string IngressClass, IngressControllerMode Mode, string? IngressSelector, string IngressService)
{
    public static IngressSettings Default { get; } = new("istio", IngressControllerMode.Strict, null, "istio-ingressgateway");

    /// <summary>Istio's rule: ingressSelector when set; else ingressService unless it is the classic istio-ingressgateway; else ingressgateway.</summary>
    public string SelectorValue => IngressSelector is { Length: > 0 } selector ? selector
        : IngressService is { Length: > 0 } service && service != "istio-ingressgateway" ? service : "ingressgateway";
}
