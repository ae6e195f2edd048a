using Mesh.Contracts.Discovery;

namespace Mesh.Proxy;

/// <summary>What the command line says this proxy is: its mode, identity, control plane and local ports.</summary>
internal sealed record ProxyOptions(
    ProxyRole Role,
    string Workload,
    string Namespace,
    Uri Discovery,
    string? App,
    int OutboundPort,
    int AdminPort,
    string Bind,
    IReadOnlyDictionary<string, string> Labels)
{
    public Node ToNode()
    {
        var node = new Node
        {
            Id = $"{(Role == ProxyRole.Sidecar ? "sidecar" : "router")}~{Workload}.{Namespace}",
            Role = Role,
            WorkloadName = Workload,
            Namespace = Namespace,
            AppAddress = App ?? string.Empty,
            OutboundPort = (uint)OutboundPort,
            BindAddress = Bind,
            ProxyVersion = typeof(ProxyOptions).Assembly.GetName().Version?.ToString() ?? "0",
        };
        foreach (var (key, value) in Labels)
        {
            node.Labels[key] = value;
        }

        return node;
    }
}
