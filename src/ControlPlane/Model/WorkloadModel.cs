namespace Mesh.ControlPlane.Model;

/// <summary>One workload instance: a WorkloadEntry, or an endpoint written inline in a ServiceEntry.</summary>
/// <param name="Name">The WorkloadEntry name; for an inline endpoint, <c>&lt;serviceentry&gt;[index]</c>.</param>
/// <param name="Ports">Port name → port number where the workload (its sidecar inbound) listens.</param>
internal sealed record WorkloadModel(
    string Name,
    string Namespace,
    string Address,
    IReadOnlyDictionary<string, uint> Ports,
    IReadOnlyDictionary<string, string> Labels,
    string ServiceAccount,
    uint Weight,
    string SourceFile)
{
    /// <summary>Where this workload serves a service port: its own port for that port name, else the target port, else the service port.</summary>
    public uint PortFor(ServicePortModel servicePort) =>
        Ports.TryGetValue(servicePort.Name, out var own) ? own : servicePort.TargetPort ?? servicePort.Number;

    /// <summary>Istio's label subset test: every selector label is present with the same value.</summary>
    public bool HasLabels(IReadOnlyDictionary<string, string> selector)
    {
        foreach (var (key, value) in selector)
        {
            if (!Labels.TryGetValue(key, out var own) || own != value) return false;
        }
        return true;
    }
}
