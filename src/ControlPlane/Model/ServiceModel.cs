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
    /// <summary>
    /// The service's addresses, where a captured sidecar recognises its connections: a ServiceEntry's
    /// <c>spec.addresses</c> (IPs or CIDR prefixes, as written), a Kubernetes Service's cluster IPs. Empty: none.
    /// </summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>
    /// A Kubernetes Service's <c>spec.selector</c>: the pods it selects (gateway port translation reads which Services
    /// select a gateway's pod). Empty: it selects none (a Service without a selector, a ServiceEntry).
    /// </summary>
    public IReadOnlyDictionary<string, string> Selector { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// A ServiceEntry's <c>spec.subjectAltNames</c>, as written: the identities its servers may present (Istio's
    /// service accounts of the service). Empty for a Kubernetes Service.
    /// </summary>
    public IReadOnlyList<string> SubjectAltNames { get; init; } = [];

    /// <summary>A Kubernetes Service's creation time: Istio orders the Services selecting a proxy oldest first.</summary>
    public DateTime? CreationTime { get; init; }

    /// <summary>
    /// Whether the two declare the same service, endpoints aside: a change between them reaches proxies' clusters and
    /// endpoints only (<see cref="Translation.EndpointChanges"/>). Compares every other property; a test holds the
    /// list of properties to this comparison, so a new one cannot be forgotten here.
    /// </summary>
    public bool SameApartFromWorkloads(ServiceModel other) =>
        Hostname == other.Hostname
        && Namespace == other.Namespace
        && ServiceEntryName == other.ServiceEntryName
        && Ports.SequenceEqual(other.Ports)
        && Resolution == other.Resolution
        && Location == other.Location
        && ExportTo.SequenceEqual(other.ExportTo)
        && Addresses.SequenceEqual(other.Addresses)
        && WorkloadModel.SameEntries(Selector, other.Selector)
        && SubjectAltNames.SequenceEqual(other.SubjectAltNames)
        && CreationTime == other.CreationTime;

    /// <summary>Whether the two are the same service, its workloads too (<see cref="WorkloadModel.SameAs"/>), in the same order.</summary>
    public bool SameAs(ServiceModel other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (Workloads.Count != other.Workloads.Count || !SameApartFromWorkloads(other)) return false;
        for (var i = 0; i < Workloads.Count; i++)
        {
            if (!Workloads[i].SameAs(other.Workloads[i])) return false;
        }
        return true;
    }

    public ServicePortModel? FindPort(uint number)
    {
        foreach (var port in Ports)
        {
            if (port.Number == number) return port;
        }
        return null;
    }
}
