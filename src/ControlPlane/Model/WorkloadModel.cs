namespace Mesh.ControlPlane.Model;

/// <summary>
/// One workload instance: a WorkloadEntry, an endpoint written inline in a ServiceEntry, a Kubernetes Pod, or one
/// address of a Service's EndpointSlice.
/// </summary>
/// <param name="Name">
/// The WorkloadEntry or Pod name; for an inline endpoint, <c>&lt;serviceentry&gt;[index]</c>, and for a slice address
/// with no pod behind it, the address: both identify it here only.
/// </param>
/// <param name="Ports">Port name → port number where the workload (its sidecar inbound) listens.</param>
/// <param name="IsInlineEndpoint">True for an endpoint written in a ServiceEntry: an address, not a named workload.</param>
/// <param name="Locality">Istio's locality, "region/zone/subzone"; empty when not declared.</param>
internal sealed record WorkloadModel(
    string Name,
    string Namespace,
    string Address,
    IReadOnlyDictionary<string, uint> Ports,
    IReadOnlyDictionary<string, string> Labels,
    string ServiceAccount,
    uint Weight,
    string SourceFile,
    bool IsInlineEndpoint = false,
    string Locality = "")
{
    /// <summary>
    /// The name EDS gives the endpoint (Istio's <c>destination_workload</c>): the WorkloadEntry's; none for an inline
    /// endpoint, which Istio reports as <c>unknown</c>, so that Kiali draws no workload that does not exist.
    /// </summary>
    public string WorkloadName => IsInlineEndpoint ? string.Empty : TelemetryName.Length > 0 ? TelemetryName : Name;

    /// <summary>The workload name telemetry reports where it is not <see cref="Name"/>: a pod's Deployment, as Istio names it.</summary>
    public string TelemetryName { get; init; } = "";

    /// <summary>
    /// A pod's named container ports, of every container (<c>istio-proxy</c>'s too, unlike <see cref="Ports"/>): where a
    /// Service's named targetPort lands on this pod, as Kubernetes resolves it. Empty for other workloads.
    /// </summary>
    public IReadOnlyDictionary<string, uint> ContainerPorts { get; init; } = new Dictionary<string, uint>();

    /// <summary>Where this workload serves a service port: its own port for that port name, else the target port, else the service port.</summary>
    public uint PortFor(ServicePortModel servicePort) =>
        Ports.TryGetValue(servicePort.Name, out var own) ? own : servicePort.TargetPort ?? servicePort.Number;

    /// <summary>Istio's label subset test: every selector label is present with the same value.</summary>
    public bool HasLabels(IReadOnlyDictionary<string, string> selector)
    {
        // Selectors are Dictionaries: enumerated as one, not through the interface, the test allocates nothing. A
        // snapshot makes it once per ServiceEntry and workload of a namespace (100,000 times at 1,000 services).
        if (selector is Dictionary<string, string> dictionary)
        {
            foreach (var (key, value) in dictionary)
            {
                if (!Labels.TryGetValue(key, out var own) || own != value) return false;
            }
            return true;
        }
        foreach (var (key, value) in selector)
        {
            if (!Labels.TryGetValue(key, out var own) || own != value) return false;
        }
        return true;
    }

    /// <summary>
    /// Whether the two are the same workload in every property, their dictionaries compared by content: a snapshot
    /// builds its workloads anew, so equal ones are rarely the same instances. A test holds the list of properties to
    /// this comparison, so a new one cannot be forgotten here.
    /// </summary>
    public bool SameAs(WorkloadModel other) =>
        ReferenceEquals(this, other)
        || (Name == other.Name
            && Namespace == other.Namespace
            && Address == other.Address
            && SameEntries(Ports, other.Ports)
            && SameEntries(Labels, other.Labels)
            && ServiceAccount == other.ServiceAccount
            && Weight == other.Weight
            && SourceFile == other.SourceFile
            && IsInlineEndpoint == other.IsInlineEndpoint
            && Locality == other.Locality
            && TelemetryName == other.TelemetryName
            && SameEntries(ContainerPorts, other.ContainerPorts));

    /// <summary>Whether two dictionaries hold the same entries, whatever their instances.</summary>
    internal static bool SameEntries<TValue>(IReadOnlyDictionary<string, TValue> a, IReadOnlyDictionary<string, TValue> b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.Count != b.Count) return false;
        foreach (var (key, value) in a)
        {
            if (!b.TryGetValue(key, out var other) || !EqualityComparer<TValue>.Default.Equals(value, other)) return false;
        }
        return true;
    }
}
