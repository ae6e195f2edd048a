using Mesh.Contracts.Discovery;
using Mesh.Istio.Networking;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// The outbound clusters and their endpoints for every service a proxy can see (exported to its namespace, and
/// imported by its Sidecar resource, port by port): one per service port
/// (<c>outbound|port||fqdn</c>) and one per DestinationRule subset (<c>outbound|port|subset|fqdn</c>).
/// </summary>
internal static class OutboundClusterBuilder
{
    /// <summary>Istio's mesh-wide default connect timeout.</summary>
    private const uint DefaultConnectTimeoutMs = 10_000;

    /// <summary>
    /// The outbound clusters and endpoints of every proxy with the node's inputs: built once per snapshot and key of
    /// proxies, sorted, and packed once when first sent.
    /// </summary>
    public static OutboundClusters Shared(ProxyContext proxy, MeshSnapshot snapshot)
    {
        var shared = SharedTranslation.For(snapshot);
        return shared.GetOrBuild(OutboundClusterInputs.Of(proxy, snapshot, shared), snapshot, BuildAll, static built => built.Resources());
    }

    /// <summary>
    /// Whether the node's outbound clusters are byte for byte the same in both snapshots: compared once per key of
    /// proxies (each build's digest is made once), not once per proxy. Builds what neither snapshot has built yet.
    /// </summary>
    public static bool SameClusters(Node node, MeshSnapshot previous, MeshSnapshot current) =>
        Shared(new ProxyContext(node, previous), previous).ClustersDigest.AsSpan().SequenceEqual(Shared(new ProxyContext(node, current), current).ClustersDigest);

    /// <summary>Every outbound cluster and endpoint assignment: built once per snapshot for all proxies with equal <paramref name="inputs"/>.</summary>
    private static OutboundClusters BuildAll(OutboundClusterInputs inputs, MeshSnapshot snapshot)
    {
        var memo = ClusterTranslationMemo.For(snapshot);
        List<Cluster> clusters = [];
        List<ClusterLoadAssignment> endpoints = [];
        foreach (var service in snapshot.Services)
        {
            if (!HostNames.IsExportedTo(service.ExportTo, service.Namespace, inputs.Namespace) || !inputs.Scope.Imports(service)) continue;
            var rule = snapshot.FindDestinationRule(service.Hostname, inputs.Namespace, service.Namespace, inputs.SelectingRules);
            foreach (var port in service.Ports)
            {
                if (!inputs.Scope.ImportsPort(service, port.Number)) continue;
                // Istio applies a client credentialName at gateways, and at sidecars when the rule has a workloadSelector.
                var credentialNamespace = inputs.IsGateway || rule?.Spec.WorkloadSelector is not null ? inputs.Namespace : null;
                AddOrCarry(inputs, snapshot, memo, service, port, rule?.Resource, null, credentialNamespace, clusters, endpoints);
                if (rule is null) continue;
                foreach (var subset in rule.Spec.Subsets)
                {
                    AddOrCarry(inputs, snapshot, memo, service, port, rule.Resource, subset, credentialNamespace, clusters, endpoints);
                }
            }
        }
        // In the order proxies are sent them, once here rather than once per proxy (SortedResources merges its own in).
        clusters.Sort(ProxyConfigGenerator.ByName);
        endpoints.Sort(ProxyConfigGenerator.ByClusterName);
        return new OutboundClusters(new(clusters), new(endpoints));
    }

    /// <summary>One key's outbound clusters and endpoints, each sorted by name.</summary>
    internal sealed class OutboundClusters(SharedSortedResources<Cluster> clusters, SharedSortedResources<ClusterLoadAssignment> endpoints)
    {
        private byte[]? _clustersDigest;

        public SharedSortedResources<Cluster> Clusters { get; } = clusters;

        public SharedSortedResources<ClusterLoadAssignment> Endpoints { get; } = endpoints;

        public IEnumerable<Google.Protobuf.IMessage> Resources() => [.. Clusters.Items, .. Endpoints.Items];

        /// <summary>The digest of the clusters' packed bytes, in order; made on first use (two threads may both make it, alike).</summary>
        public byte[] ClustersDigest => _clustersDigest ??= Discovery.ResourceVersion.Digest(Clusters.Packed);
    }

    /// <summary>
    /// Adds the cluster and assignment of a service port or subset: those the last snapshot built from the same service
    /// and rule (<see cref="ClusterTranslationMemo"/>), else built now. Not where a client credentialName applies, whose
    /// Secrets and files the memo does not follow.
    /// </summary>
    private static void AddOrCarry(OutboundClusterInputs inputs, MeshSnapshot snapshot, ClusterTranslationMemo memo, ServiceModel service, ServicePortModel port,
        DestinationRule? rule, Subset? subset, string? credentialNamespace, List<Cluster> clusters, List<ClusterLoadAssignment> endpoints)
    {
        var carries = credentialNamespace is null;
        if (carries && memo.TryTake(inputs, service, port.Number, subset?.Name, rule, out var carried, out var carriedAssignment))
        {
            clusters.Add(carried);
            endpoints.Add(carriedAssignment);
            return;
        }
        var (cluster, assignment) = BuildCluster(inputs, snapshot, service, port, subset?.Name, rule?.Spec.TrafficPolicy, subset, credentialNamespace);
        if (carries) memo.Keep(inputs, service, port.Number, subset?.Name, rule, cluster, assignment);
        clusters.Add(cluster);
        endpoints.Add(assignment);
    }

    private static (Cluster Cluster, ClusterLoadAssignment Assignment) BuildCluster(OutboundClusterInputs inputs, MeshSnapshot snapshot, ServiceModel service,
        ServicePortModel port, string? subsetName, TrafficPolicy? policy, Subset? subset, string? credentialNamespace)
    {
        var name = ClusterNames.Outbound(port.Number, subsetName, service.Hostname);
        var cluster = new Cluster
        {
            Name = name,
            ServiceHost = service.Hostname,
            ServicePort = port.Number,
            Subset = subsetName ?? "",
            ServiceNamespace = service.Namespace,
            ConnectTimeoutMs = ConnectTimeout(policy, subset?.TrafficPolicy, port.Number),
            ConnectionPool = ConnectionPoolTranslator.Translate(ConnectionPool(policy, subset?.TrafficPolicy, port.Number)),
            OutlierDetection = ConnectionPoolTranslator.Translate(OutlierDetection(policy, subset?.TrafficPolicy, port.Number)),
            // No port level: Istio's retryBudget is the rule's or the subset's, the subset's replacing the rule's whole.
            RetryBudget = ConnectionPoolTranslator.Translate(subset?.TrafficPolicy?.RetryBudget ?? policy?.RetryBudget),
        };
        var loadBalancer = LoadBalancerTranslator.Effective(policy, subset?.TrafficPolicy, port.Number);
        LoadBalancerTranslator.Apply(cluster, loadBalancer, LoadBalancerTranslator.HasOutlierDetection(policy, subset?.TrafficPolicy, port.Number),
            inputs.Locality, inputs.Labels);

        var assignment = new ClusterLoadAssignment { ClusterName = name };
        var selected = new List<(WorkloadModel Workload, uint Port)>();
        foreach (var workload in service.Workloads)
        {
            if (workload.Address.Length == 0) continue;
            if (subset is not null && !workload.HasLabels(subset.Labels)) continue;
            selected.Add((workload, workload.PortFor(port)));
        }
        selected.Sort(static (a, b) =>
        {
            var byAddress = string.CompareOrdinal(a.Workload.Address, b.Workload.Address);
            if (byAddress != 0) return byAddress;
            var byPort = a.Port.CompareTo(b.Port);
            return byPort != 0 ? byPort : string.CompareOrdinal(a.Workload.Name, b.Workload.Name);
        });
        foreach (var (workload, endpointPort) in selected) assignment.Endpoints.Add(ToEndpoint(workload, endpointPort));
        LoadBalancerTranslator.Distribute(loadBalancer, inputs.Locality, assignment);
        cluster.Tls = UpstreamTlsTranslator.Translate(snapshot, service, port, subsetName, policy, subset?.TrafficPolicy, selected, credentialNamespace);
        cluster.Protocol = Protocol(port, policy, subset?.TrafficPolicy, cluster.Tls, inputs.IsGateway);
        return (cluster, assignment);
    }

    public static Endpoint ToEndpoint(WorkloadModel workload, uint port)
    {
        var endpoint = new Endpoint
        {
            Address = workload.Address,
            Port = port,
            Weight = workload.Weight,
            WorkloadName = workload.WorkloadName,
            Namespace = workload.Namespace,
            ServiceAccount = workload.ServiceAccount,
            Locality = workload.Locality,
        };
        var labels = new List<KeyValuePair<string, string>>(workload.Labels);
        labels.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var (key, value) in labels) endpoint.Labels[key] = value;
        return endpoint;
    }

    private static uint ConnectTimeout(TrafficPolicy? policy, TrafficPolicy? subsetPolicy, uint port)
    {
        var timeout = PortLevel(subsetPolicy, port)?.ConnectionPool?.Tcp?.ConnectTimeout ?? subsetPolicy?.ConnectionPool?.Tcp?.ConnectTimeout
            ?? PortLevel(policy, port)?.ConnectionPool?.Tcp?.ConnectTimeout ?? policy?.ConnectionPool?.Tcp?.ConnectTimeout;
        return timeout is { } value ? RetryPolicyTranslator.ToMilliseconds(value) : DefaultConnectTimeoutMs;
    }

    /// <summary>Istio replaces connectionPool whole, never field by field: the most specific level that sets it wins.</summary>
    public static ConnectionPoolSettings? ConnectionPool(TrafficPolicy? policy, TrafficPolicy? subsetPolicy, uint port) =>
        PortLevel(subsetPolicy, port)?.ConnectionPool ?? subsetPolicy?.ConnectionPool ?? PortLevel(policy, port)?.ConnectionPool ?? policy?.ConnectionPool;

    private static Istio.Networking.OutlierDetection? OutlierDetection(TrafficPolicy? policy, TrafficPolicy? subsetPolicy, uint port) =>
        PortLevel(subsetPolicy, port)?.OutlierDetection ?? subsetPolicy?.OutlierDetection ?? PortLevel(policy, port)?.OutlierDetection ?? policy?.OutlierDetection;

    /// <summary>
    /// The protocol of the cluster's requests, from the port and the effective connectionPool (the most specific level
    /// that sets one, as Istio applies it), in Istio's order: <c>useClientProtocol</c> follows the client request by
    /// request; <c>h2UpgradePolicy: UPGRADE</c> sends HTTP/2 on any HTTP or detected port; HTTP2 and gRPC ports speak
    /// HTTP/2; a port whose protocol is detected follows the client (Istio never upgrades those by default: the
    /// server sidecar would then hand h2 to an application that may speak only HTTP/1.1), except from a gateway, whose
    /// clients (browsers) choose h2 by ALPN whatever the application speaks: there it is HTTP/1.1, as Istio documents
    /// ("HTTP gateway protocol selection"), unless the rule says useClientProtocol; an HTTP port keeps
    /// HTTP/1.1 under DO_NOT_UPGRADE. DEFAULT (or none) takes the mesh's default, which here is to upgrade between
    /// sidecars (ISTIO_MUTUAL) and only there, as Istio advises when every workload has a sidecar: the hop is then one
    /// multiplexed connection, and HTTP/1.1 over mTLS cost more CPU, not less (docs/performance.md, "HTTP/1.1 between
    /// sidecars"). Opaque ports (TCP, TLS, ...) are left UNSPECIFIED: no HTTP request is routed to them.
    /// </summary>
    private static UpstreamProtocol Protocol(ServicePortModel port, TrafficPolicy? policy, TrafficPolicy? subsetPolicy, UpstreamTls? tls, bool isGateway)
    {
        if (port.Carried == PortProtocol.Tcp) return UpstreamProtocol.Unspecified;
        var http = ConnectionPool(policy, subsetPolicy, port.Number)?.Http;
        if (http?.UseClientProtocol == true) return UpstreamProtocol.Downstream;
        if (http?.H2UpgradePolicy == H2UpgradePolicy.Upgrade || port.IsHttp2) return UpstreamProtocol.Http2;
        if (port.Carried == PortProtocol.Auto) return isGateway ? UpstreamProtocol.Http1 : UpstreamProtocol.Downstream;
        if (http?.H2UpgradePolicy == H2UpgradePolicy.DoNotUpgrade) return UpstreamProtocol.Http1;
        return tls?.Mode == UpstreamTlsMode.IstioMutual ? UpstreamProtocol.Http2 : UpstreamProtocol.Http1;
    }

    private static PortTrafficPolicy? PortLevel(TrafficPolicy? policy, uint port)
    {
        if (policy is null) return null;
        foreach (var portPolicy in policy.PortLevelSettings)
        {
            if (portPolicy.Port?.Number == port) return portPolicy;
        }
        return null;
    }
}
