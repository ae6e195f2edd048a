namespace Mesh.ControlPlane.Kubernetes;

/// <summary>An Istio custom resource kind the control plane reads from the cluster.</summary>
/// <param name="Group">networking.istio.io or security.istio.io.</param>
/// <param name="Plural">The resource name in URLs, e.g. virtualservices.</param>
internal sealed record IstioKind(string Group, string Kind, string Plural)
{
    /// <summary>The versions watched, best first: Istio serves them all from one storage, so any one gives the whole object.</summary>
    public static readonly string[] PreferredVersions = ["v1", "v1beta1", "v1alpha3"];

    public static readonly IstioKind[] All =
    [
        new("networking.istio.io", "VirtualService", "virtualservices"),
        new("networking.istio.io", "DestinationRule", "destinationrules"),
        new("networking.istio.io", "Gateway", "gateways"),
        new("networking.istio.io", "ServiceEntry", "serviceentries"),
        new("networking.istio.io", "WorkloadEntry", "workloadentries"),
        new("networking.istio.io", "Sidecar", "sidecars"),
        new("security.istio.io", "PeerAuthentication", "peerauthentications"),
        new("security.istio.io", "AuthorizationPolicy", "authorizationpolicies"),
        new("security.istio.io", "RequestAuthentication", "requestauthentications"),
    ];

    /// <summary>The CRD's name: <c>plural.group</c>.</summary>
    public string CrdName => Plural + "." + Group;

    /// <summary>The informer's name at a version: "networking.istio.io/v1/virtualservices".</summary>
    public string InformerName(string version) => $"{Group}/{version}/{Plural}";

    /// <summary>Where an object lives in the API, as errors and status name it: k8s://networking.istio.io/v1/namespaces/NS/virtualservices/NAME.</summary>
    public string Origin(string version, string? ns, string name) => $"k8s://{Group}/{version}/namespaces/{ns}/{Plural}/{name}";
}
