using k8s.Models;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// A Service's endpoints from its EndpointSlices, as Istio's endpoint slice controller builds them: one workload per
/// ready address, at the slice's ports, with the pod behind it (its labels, service account and locality).
/// </summary>
internal sealed class EndpointBuilder(
    IReadOnlyDictionary<string, V1Pod> podsByName,
    IReadOnlyDictionary<string, V1Pod> podsByAddress,
    IReadOnlyDictionary<string, V1Node> nodes)
{
    public IReadOnlyList<WorkloadModel> For(string ns, List<V1EndpointSlice> slices)
    {
        if (slices.Count == 0) return [];
        // Slices in name order, so that the same objects always give the same endpoints.
        slices.Sort(static (a, b) => string.CompareOrdinal(a.Metadata.Name, b.Metadata.Name));
        var workloads = new List<WorkloadModel>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var slice in slices)
        {
            // Istio reads IPv4 and IPv6 slices; FQDN slices are not supported there either.
            if (slice.AddressType == "FQDN") continue;
            var ports = SlicePorts(slice);
            foreach (var endpoint in slice.Endpoints ?? [])
            {
                if (!Serves(endpoint.Conditions)) continue;
                foreach (var address in endpoint.Addresses ?? [])
                {
                    var pod = FindPod(ns, endpoint.TargetRef, address);
                    // Istio: an address that names a pod not (yet) known is skipped until the pod is seen.
                    if (pod is null && endpoint.TargetRef?.Kind == "Pod") continue;
                    // During a move between slices an address is in both for a moment: served once. Keyed by pod too,
                    // since pods on the host network share their node's address (and every pod of the tests, 127.0.0.1).
                    if (!seen.Add(pod is null ? address : address + "/" + pod.Metadata.Name)) continue;
                    workloads.Add(pod is null
                        ? new WorkloadModel(address, ns, address, ports, new Dictionary<string, string>(), "", 1, "", IsInlineEndpoint: true,
                            Locality: PodWorkloads.NodeLocality(endpoint.NodeName, nodes))
                        : PodWorkloads.Endpoint(pod, address, ports, nodes));
                }
            }
        }
        workloads.Sort(static (a, b) => string.CompareOrdinal(a.Address, b.Address));
        return workloads;
    }

    /// <summary>
    /// Istio sends only ready endpoints as healthy (a missing condition means ready). A terminating endpoint that still
    /// serves is DRAINING there only for services with persistent sessions, and every other not-ready endpoint is sent
    /// UNHEALTHY, which takes no new requests; our endpoints carry no health status, so those are left out.
    /// </summary>
    private static bool Serves(V1EndpointConditions? conditions) => conditions?.Ready ?? true;

    /// <summary>Port name → the port the endpoints serve it on: a named targetPort resolved for this slice's pods.</summary>
    private static Dictionary<string, uint> SlicePorts(V1EndpointSlice slice)
    {
        var ports = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var port in slice.Ports ?? [])
        {
            if (port.Port is > 0 and var number) ports.TryAdd(port.Name ?? "", (uint)number);
        }
        return ports;
    }

    private V1Pod? FindPod(string ns, V1ObjectReference? targetRef, string address)
    {
        if (targetRef is { Kind: "Pod" })
        {
            return podsByName.TryGetValue((targetRef.NamespaceProperty ?? ns) + "/" + targetRef.Name, out var named) ? named : null;
        }
        return podsByAddress.TryGetValue(address, out var pod) && pod.Metadata.NamespaceProperty == ns ? pod : null;
    }
}
