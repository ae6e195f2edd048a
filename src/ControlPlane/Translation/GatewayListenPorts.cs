using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Istio's gateway port translation: a Gateway server's <c>port.number</c> names a port of the Kubernetes Services that
/// select the gateway's pod, and the proxy listens on that port's targetPort (the gateway Service's 80 → 8080 makes a
/// server on 80 listen on 8080). The first Service port of that number wins, the Services taken oldest first, then by
/// host name, their ports in spec order; a number no such Service has is listened on as written (a gateway without a
/// Service, local mode). A named targetPort is the pod's container port of that name; one the pod lacks is skipped.
/// </summary>
internal sealed class GatewayListenPorts
{
    private static readonly GatewayListenPorts AsWritten = new([]);

    private readonly List<(uint Port, uint TargetPort)> _servicePorts;

    private GatewayListenPorts(List<(uint Port, uint TargetPort)> servicePorts) => _servicePorts = servicePorts;

    /// <summary>The Service ports of the Services in the proxy's namespace whose selector selects its workload (its pod).</summary>
    public static GatewayListenPorts For(ProxyContext proxy, MeshSnapshot snapshot)
    {
        if (proxy.Workload is not { } workload || snapshot.PlatformServices.Count == 0) return AsWritten;
        var selecting = new List<ServiceModel>();
        foreach (var service in snapshot.PlatformServices.Values)
        {
            // A Service selects pods of its own namespace only; one without a selector selects none.
            if (service.Namespace == proxy.Namespace && service.Selector.Count > 0 && workload.HasLabels(service.Selector)) selecting.Add(service);
        }
        if (selecting.Count == 0) return AsWritten;
        selecting.Sort(static (a, b) =>
        {
            var byAge = Nullable.Compare(a.CreationTime, b.CreationTime);
            return byAge != 0 ? byAge : string.CompareOrdinal(a.Hostname, b.Hostname);
        });
        var servicePorts = new List<(uint, uint)>();
        foreach (var service in selecting)
        {
            foreach (var port in service.Ports)
            {
                if (TargetPort(port, workload) is { } target) servicePorts.Add((port.Number, target));
            }
        }
        return new GatewayListenPorts(servicePorts);
    }

    /// <summary>Where the proxy listens for a server of this port number.</summary>
    public uint ListenPort(uint serverPort)
    {
        foreach (var (port, target) in _servicePorts)
        {
            if (port == serverPort) return target;
        }
        return serverPort;
    }

    private static uint? TargetPort(ServicePortModel port, WorkloadModel workload)
    {
        if (port.TargetPort is { } number) return number;
        if (port.TargetPortName.Length == 0) return port.Number; // Kubernetes defaults targetPort to the port.
        return workload.ContainerPorts.TryGetValue(port.TargetPortName, out var named) ? named : null;
    }
}
