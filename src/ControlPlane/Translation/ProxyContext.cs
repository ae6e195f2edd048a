using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// What translation needs to know about the proxy it generates for: namespace, effective labels, and its workload — the
/// WorkloadEntry, else the Pod, of its namespace and workload name (a sidecar runs with <c>--workload $(POD_NAME)</c>).
/// </summary>
internal sealed class ProxyContext
{
    public ProxyContext(Node node, MeshSnapshot snapshot)
    {
        Node = node;
        Namespace = node.Namespace;
        Workload = snapshot.FindWorkloadEntry(node.Namespace, node.WorkloadName);
        var labels = new Dictionary<string, string>(node.Labels, StringComparer.Ordinal);
        if (Workload is not null)
        {
            // The WorkloadEntry (or Pod) declares the workload; its labels win over what the proxy says of itself.
            foreach (var (key, value) in Workload.Labels) labels[key] = value;
        }
        Labels = labels;
        BindAddress = node.BindAddress.Length > 0 ? node.BindAddress : "127.0.0.1";
        Locality = Workload is { Locality.Length: > 0 } ? Workload.Locality : node.Locality;
        // Istio applies Sidecar resources to sidecars only: a gateway sees everything exported to its namespace.
        Scope = node.Role == ProxyRole.Router ? SidecarScope.Default : snapshot.Sidecars.ScopeFor(Namespace, Labels, snapshot);
    }

    public Node Node { get; }
    public string Namespace { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
    public WorkloadModel? Workload { get; }
    public string BindAddress { get; }

    /// <summary>What the proxy's Sidecar resource imports (services, ports, VirtualServices) and its outbound policy; everything when none applies.</summary>
    public SidecarScope Scope { get; }

    /// <summary>outboundTrafficPolicy as it applies to this proxy: its Sidecar's mode, else the mesh config's.</summary>
    public OutboundTrafficPolicyMode OutboundTrafficPolicy(MeshSnapshot snapshot) => Scope.OutboundTrafficPolicy(snapshot.Mesh);

    /// <summary>A sidecar whose pod's traffic iptables captures (<c>--inbound-capture-port</c>): it gets the listeners of capture.</summary>
    public bool IsCaptured => Node.Role != ProxyRole.Router && Node.InboundCapturePort != 0;

    /// <summary>"region/zone/subzone": the WorkloadEntry's or Pod's locality, else what the proxy declares (a gateway's --locality).</summary>
    public string Locality { get; }
}
