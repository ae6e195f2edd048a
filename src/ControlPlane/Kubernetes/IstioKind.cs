namespace Mesh.ControlPlane.Kubernetes;

/// <summary>An Istio custom resource kind the control plane reads from the cluster.</summary>
/// <param name="Group">networking.istio.io, security.istio.io, telemetry.istio.io or extensions.istio.io.</param>
/// <param name="Plural">The resource name in URLs, e.g. virtualservices.</param>
/// <param name="Versions">The versions watched, best first: Istio serves them all from one storage, so any one gives the whole object.</param>
/// <param name="Modelled">
/// False for the kinds this mesh does not implement: read only so that each object gets a Warning event saying it has
/// no effect (MESH0001), as a file of them does in local mode. Their CRDs are Istio's, which a cluster that ran Istio
/// keeps; without them nothing is missing, so nothing is logged.
/// </param>
internal sealed record IstioKind(string Group, string Kind, string Plural, string[] Versions, bool Modelled = true)
{
    /// <summary>The versions of the modelled kinds, best first.</summary>
    public static readonly string[] PreferredVersions = ["v1", "v1beta1", "v1alpha3"];

    public static readonly IstioKind[] All =
    [
        new("networking.istio.io", "VirtualService", "virtualservices", PreferredVersions),
        new("networking.istio.io", "DestinationRule", "destinationrules", PreferredVersions),
        new("networking.istio.io", "Gateway", "gateways", PreferredVersions),
        new("networking.istio.io", "ServiceEntry", "serviceentries", PreferredVersions),
        new("networking.istio.io", "WorkloadEntry", "workloadentries", PreferredVersions),
        new("networking.istio.io", "Sidecar", "sidecars", PreferredVersions),
        new("security.istio.io", "PeerAuthentication", "peerauthentications", PreferredVersions),
        new("security.istio.io", "AuthorizationPolicy", "authorizationpolicies", PreferredVersions),
        new("security.istio.io", "RequestAuthentication", "requestauthentications", PreferredVersions),
        new("telemetry.istio.io", "Telemetry", "telemetries", ["v1", "v1alpha1"]),
        new("networking.istio.io", "EnvoyFilter", "envoyfilters", ["v1alpha3"], Modelled: false),
        new("networking.istio.io", "WorkloadGroup", "workloadgroups", PreferredVersions, Modelled: false),
        new("networking.istio.io", "ProxyConfig", "proxyconfigs", ["v1beta1"]),
        new("extensions.istio.io", "WasmPlugin", "wasmplugins", ["v1alpha1"], Modelled: false),
    ];

    /// <summary>The CRD's name: <c>plural.group</c>.</summary>
    public string CrdName => Plural + "." + Group;

    /// <summary>The informer's name at a version: "networking.istio.io/v1/virtualservices".</summary>
    public string InformerName(string version) => $"{Group}/{version}/{Plural}";

    /// <summary>Where an object lives in the API, as errors and status name it: k8s://networking.istio.io/v1/namespaces/NS/virtualservices/NAME.</summary>
    public string Origin(string version, string? ns, string name) => $"k8s://{Group}/{version}/namespaces/{ns}/{Plural}/{name}";
}
