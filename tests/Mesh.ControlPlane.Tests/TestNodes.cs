using Mesh.Contracts.Discovery;

namespace Mesh.ControlPlane.Tests;

/// <summary>The node a proxy of the demo's shape sends on its first discovery request.</summary>
internal static class TestNodes
{
    public static Node Sidecar(string workload, string ns = "default") => new()
    {
        Id = $"sidecar~{workload}.{ns}",
        Role = ProxyRole.Sidecar,
        WorkloadName = workload,
        Namespace = ns,
        AppAddress = "127.0.0.1:8081",
        OutboundPort = 15001,
        BindAddress = "127.0.0.1",
    };

    /// <summary>A gateway proxy; the demo's ingress labels (istio=ingressgateway) unless others are given.</summary>
    public static Node Router(string workload = "istio-ingressgateway", string ns = "default", IReadOnlyDictionary<string, string>? labels = null)
    {
        var node = new Node { Id = $"router~{workload}.{ns}", Role = ProxyRole.Router, WorkloadName = workload, Namespace = ns, BindAddress = "127.0.0.1" };
        foreach (var (key, value) in labels ?? new Dictionary<string, string> { ["istio"] = "ingressgateway" }) node.Labels[key] = value;
        return node;
    }
}
