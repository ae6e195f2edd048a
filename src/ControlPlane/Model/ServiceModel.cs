using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Model;

/// <summary>One service host of the registry (a ServiceEntry declares one per host), with its ports and its workload instances.</summary>
internal sealed record ServiceModel(
    string Hostname,
    string Namespace,
    string ServiceEntryName,
    IReadOnlyList<ServicePortModel> Ports,
    ServiceEntryResolution Resolution,
    ServiceEntryLocation Location,
    IReadOnlyList<string> ExportTo,
    IReadOnlyList<WorkloadModel> Workloads)
{
    public ServicePortModel? FindPort(uint number)
    {
        foreach (var port in Ports)
        {
            if (port.Number == number) return port;
        }
        return null;
    }
}
