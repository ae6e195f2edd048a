using Mesh.Istio;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Model;

/// <summary>A Sidecar resource as scoping reads it: whom it selects, its egress listeners, its outbound policy.</summary>
internal sealed class SidecarModel
{
    public SidecarModel(Sidecar sidecar)
    {
        Key = sidecar.Key;
        Selector = sidecar.Spec.WorkloadSelector?.Labels;
        var listeners = new List<EgressListenerModel>(sidecar.Spec.Egress.Count);
        foreach (var egress in sidecar.Spec.Egress)
        {
            var hosts = new List<EgressHost>(egress.Hosts.Count);
            foreach (var host in egress.Hosts) hosts.Add(EgressHost.Parse(host));
            listeners.Add(new EgressListenerModel(egress.Port?.Number, hosts));
        }
        // Istio: a Sidecar without egress listeners imports everything, as no Sidecar does.
        if (listeners.Count == 0) listeners.Add(EgressListenerModel.Everything);
        Egress = listeners;
        var ingress = new List<IngressListenerModel>(sidecar.Spec.Ingress.Count);
        foreach (var listener in sidecar.Spec.Ingress)
        {
            if (IngressListenerModel.From(listener) is { } model) ingress.Add(model);
        }
        Ingress = ingress;
        InboundConnectionPool = sidecar.Spec.InboundConnectionPool;
        if (sidecar.Spec.OutboundTrafficPolicy is { } policy)
        {
            // The proto's zero value is REGISTRY_ONLY: a policy written without a mode is REGISTRY_ONLY.
            OutboundTrafficPolicy = policy.Mode == OutboundTrafficMode.AllowAny ? OutboundTrafficPolicyMode.AllowAny : OutboundTrafficPolicyMode.RegistryOnly;
        }
    }

    public ConfigKey Key { get; }

    /// <summary>
    /// The ingress listeners, in the order written: when there are any, they alone make the workload's inbound
    /// listeners, in place of the ports its services send to (Istio's buildInboundListenersFromSidecarIngress).
    /// </summary>
    public IReadOnlyList<IngressListenerModel> Ingress { get; }

    /// <summary>The connection pool of the workload's inbound side on every port an ingress listener does not set one for.</summary>
    public ConnectionPoolSettings? InboundConnectionPool { get; }

    /// <summary>
    /// The connection pool of the workload's inbound cluster for <paramref name="port"/> (the port the application is
    /// reached at): its ingress listener's, else <see cref="InboundConnectionPool"/> (Istio's InboundConnectionPoolForPort).
    /// </summary>
    public ConnectionPoolSettings? InboundConnectionPoolFor(uint port)
    {
        foreach (var ingress in Ingress)
        {
            if (ingress.Port.Number == port && ingress.ConnectionPool is { } pool) return pool;
        }
        return InboundConnectionPool;
    }

    public string Namespace => Key.Namespace;

    /// <summary>The workloadSelector's labels; null: the Sidecar applies to its whole namespace (or, in the root namespace, the mesh).</summary>
    public IReadOnlyDictionary<string, string>? Selector { get; }

    /// <summary>In the order written: listeners with a port first, the catch-all last (the validator requires it).</summary>
    public IReadOnlyList<EgressListenerModel> Egress { get; }

    /// <summary>The Sidecar's outboundTrafficPolicy mode; null: the mesh config's applies.</summary>
    public OutboundTrafficPolicyMode? OutboundTrafficPolicy { get; }

    /// <summary>Istio's label subset test; an empty selector selects every workload of the namespace.</summary>
    public bool Selects(IReadOnlyDictionary<string, string> labels) => Selector is null || LabelSelector.Includes(labels, Selector);
}
