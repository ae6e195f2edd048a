using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Kubernetes;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Tests.Kubernetes;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// A change of services' endpoints alone regenerates a proxy's endpoints, and its clusters only where they changed, not
/// its listeners and routes (istiod's incremental EDS), except for the proxy whose own workload it touches. Each case is a change in local mode
/// or on Kubernetes; for every proxy the types are checked, and so is what they leave out: the listeners and routes
/// a proxy is not regenerated for are byte for byte those a full generation gives.
/// </summary>
public sealed class EndpointChangesTests
{
    // An external service written with inline endpoints, beside the demo's workloads.
    private const string Payments = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: payments, namespace: default }
        spec:
          hosts: [payments.example.com]
          location: MESH_EXTERNAL
          ports: [{ number: 443, name: tls, protocol: TLS }]
          resolution: STATIC
          endpoints: [{ address: 10.1.0.1 }]
        """;

    // An admin port served by the workloads its selector picks: none to begin with.
    private const string Admin = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: admin, namespace: default }
        spec:
          hosts: [admin.default.svc.cluster.local]
          location: MESH_INTERNAL
          ports: [{ number: 9901, name: http-admin, protocol: HTTP, targetPort: 9901 }]
          resolution: STATIC
          workloadSelector: { labels: { app: none } }
        """;

    private static readonly string AdminOfBackendV2 = Admin.Replace("{ app: none }", "{ app: backend, version: v2 }", StringComparison.Ordinal);

    private const string BackendV3 = """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: backend-v3, namespace: default }
        spec:
          address: 127.0.0.4
          ports: { http: 17004 }
          labels: { app: backend, version: v2 }
          serviceAccount: backend
        """;

    private static readonly string[] Local = [DemoYaml.Workloads, DemoYaml.BackendSubsets, DemoYaml.BackendRouting, DemoYaml.IngressGateway, Payments, Admin];

    private static readonly Node Frontend = TestNodes.Sidecar("frontend-v1");
    private static readonly Node BackendV1 = TestNodes.Sidecar("backend-v1");
    private static readonly Node BackendV2 = TestNodes.Sidecar("backend-v2");
    private static readonly Node Gateway = TestNodes.Router();

    private static Node CapturedFrontend()
    {
        var node = TestNodes.Sidecar("frontend-v1");
        node.InboundCapturePort = 15006;
        return node;
    }

    private static readonly Node[] LocalProxies = [Frontend, CapturedFrontend(), BackendV1, BackendV2, Gateway];

    public static TheoryData<string> LocalChanges() => [.. LocalCases.Keys];

    // Each change: the documents after it, the keys the folder source reports, and the proxies regenerated whole.
    private static readonly Dictionary<string, (string[] After, ConfigKey[] Keys, Node[] Whole)> LocalCases = new()
    {
        ["a WorkloadEntry added: a new endpoint of backend"] = (
            [.. Local, BackendV3],
            [new(WorkloadEntry, "default", "backend-v3")],
            []),
        ["a WorkloadEntry relabelled from v1 to v2: it changes subsets, and its own proxy"] = (
            [DemoYaml.Workloads.Replace("labels: { app: backend, version: v1 }", "labels: { app: backend, version: v2 }", StringComparison.Ordinal),
                DemoYaml.BackendSubsets, DemoYaml.BackendRouting, DemoYaml.IngressGateway, Payments, Admin],
            [new(WorkloadEntry, "default", "backend-v1")],
            [BackendV1]),
        ["inline endpoints moved"] = (
            [DemoYaml.Workloads, DemoYaml.BackendSubsets, DemoYaml.BackendRouting, DemoYaml.IngressGateway, Payments.Replace("10.1.0.1", "10.1.0.2", StringComparison.Ordinal), Admin],
            [new(ServiceEntry, "default", "payments")],
            []),
        ["a workloadSelector that now selects backend-v2: its own inbound side serves the port"] = (
            [DemoYaml.Workloads, DemoYaml.BackendSubsets, DemoYaml.BackendRouting, DemoYaml.IngressGateway, Payments, AdminOfBackendV2],
            [new(ServiceEntry, "default", "admin")],
            [BackendV2]),
        ["a port added to a ServiceEntry is more than endpoints"] = (
            [DemoYaml.Workloads, DemoYaml.BackendSubsets, DemoYaml.BackendRouting, DemoYaml.IngressGateway,
                Payments.Replace("ports: [{ number: 443, name: tls, protocol: TLS }]", "ports: [{ number: 443, name: tls, protocol: TLS }, { number: 80, name: http, protocol: HTTP }]", StringComparison.Ordinal), Admin],
            [new(ServiceEntry, "default", "payments")],
            LocalProxies),
    };

    private const string WorkloadEntry = Mesh.Istio.Networking.WorkloadEntry.KindName;
    private const string ServiceEntry = Mesh.Istio.Networking.ServiceEntry.KindName;

    [Theory]
    [MemberData(nameof(LocalChanges))]
    public void TypesAffected_LocalChange_EndpointsAloneRegenerateEndpointsAndChangedClusters(string change)
    {
        var (after, keys, whole) = LocalCases[change];
        Check(change, Simulation.Load(Local), Simulation.Load(after), keys, LocalProxies, whole);
    }

    private const string Reviews = """
        apiVersion: v1
        kind: Service
        metadata: { name: reviews, namespace: bookinfo }
        spec:
          clusterIP: 10.96.0.20
          selector: { app: reviews }
          ports: [{ name: http, port: 9080, targetPort: 9080 }]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: reviews-x1, namespace: bookinfo, labels: { kubernetes.io/service-name: reviews } }
        addressType: IPv4
        ports: [{ name: http, port: 9080 }]
        endpoints:
        - { addresses: [10.0.0.11], targetRef: { kind: Pod, name: reviews-v1, namespace: bookinfo } }
        - { addresses: [10.0.0.12], conditions: { ready: true }, targetRef: { kind: Pod, name: reviews-v2, namespace: bookinfo } }
        """;

    private static readonly string ReviewsV1Pod = KubeYaml.Pod("reviews-v1", "10.0.0.11", "{ app: reviews, version: v1 }", "reviews", "bookinfo");
    private static readonly string ReviewsV2Pod = KubeYaml.Pod("reviews-v2", "10.0.0.12", "{ app: reviews, version: v2 }", "reviews", "bookinfo");
    private static readonly string ReviewsV3Pod = KubeYaml.Pod("reviews-v3", "10.0.0.13", "{ app: reviews, version: v3 }", "reviews", "bookinfo");

    private static readonly string[] Cluster = [Reviews, ReviewsV1Pod, ReviewsV2Pod];

    private static readonly Node ReviewsV1 = TestNodes.Sidecar("reviews-v1", "bookinfo");
    private static readonly Node ReviewsV2 = TestNodes.Sidecar("reviews-v2", "bookinfo");
    private static readonly Node ProductPage = TestNodes.Sidecar("productpage-v1", "bookinfo");
    private static readonly Node[] ClusterProxies = [ReviewsV1, ReviewsV2, ProductPage, Gateway];

    public static TheoryData<string> ClusterChanges() => [.. ClusterCases.Keys];

    // Each change: the objects after it, and the proxies regenerated whole (the keys are what the registry reports).
    private static readonly Dictionary<string, (string[] After, Node[] Whole)> ClusterCases = new()
    {
        // The Service's own pods are listed by it, before or after: their sidecars are regenerated whole.
        ["a pod not ready: the Service loses an endpoint"] = (
            [Reviews.Replace("conditions: { ready: true }", "conditions: { ready: false }", StringComparison.Ordinal), ReviewsV1Pod, ReviewsV2Pod],
            [ReviewsV1, ReviewsV2]),
        ["a pod scheduled and listed: the Service gains an endpoint"] = (
            [Reviews + "\n- { addresses: [10.0.0.13], targetRef: { kind: Pod, name: reviews-v3, namespace: bookinfo } }", ReviewsV1Pod, ReviewsV2Pod, ReviewsV3Pod],
            [ReviewsV1, ReviewsV2]),
        ["a Service's port changed is more than endpoints"] = (
            [Reviews.Replace("port: 9080, targetPort: 9080", "port: 9081, targetPort: 9080", StringComparison.Ordinal), ReviewsV1Pod, ReviewsV2Pod],
            ClusterProxies),
    };

    [Theory]
    [MemberData(nameof(ClusterChanges))]
    public void TypesAffected_RegistryChange_EndpointsAloneRegenerateEndpointsAndChangedClusters(string change)
    {
        var (after, whole) = ClusterCases[change];
        var registryBefore = KubernetesRegistry.Build(KubeYaml.Objects(Cluster), "cluster.local");
        var registryAfter = KubernetesRegistry.Build(KubeYaml.Objects(after), "cluster.local");
        var keys = KubernetesRegistry.ChangedKeys(registryBefore, registryAfter);
        Assert.NotEmpty(keys);
        Check(change, MeshSnapshotBuilder.Build(1, [], registry: registryBefore), MeshSnapshotBuilder.Build(2, [], registry: registryAfter), [.. keys], ClusterProxies, whole);
    }

    /// <summary>
    /// Every proxy gets every type if in <paramref name="whole"/>, else its endpoints, and its clusters exactly when
    /// their bytes changed; what a proxy is not regenerated for stays as it was, and some proxy's endpoints did change
    /// (the change is one).
    /// </summary>
    private static void Check(string change, MeshSnapshot before, MeshSnapshot after, ConfigKey[] keys, Node[] proxies, Node[] whole)
    {
        var request = PushRequest.ForConfigs(new HashSet<ConfigKey>(keys), DateTimeOffset.UnixEpoch);
        var endpointsChanged = false;
        foreach (var node in proxies)
        {
            var (was, now) = (ProxyConfigGenerator.Generate(node, before), ProxyConfigGenerator.Generate(node, after));
            var clustersChanged = !ResourceBytes.Of(was, TypeUrls.Cluster).SequenceEqual(ResourceBytes.Of(now, TypeUrls.Cluster));
            var expected = whole.Contains(node) ? ResourceTypes.All : ResourceTypes.Endpoints | (clustersChanged ? ResourceTypes.Clusters : ResourceTypes.None);
            // Every service changed here is exported everywhere: every proxy reaches it.
            Assert.True(ProxyDependencies.NeedsPush(node, before, after, request), $"{change}: {node.Id} not pushed");
            var types = ProxyDependencies.TypesAffected(node, before, after, request);
            Assert.True(expected == types, $"{change}: {node.Id} regenerates {types}, expected {expected}");
            foreach (var (type, typeUrl) in (ReadOnlySpan<(ResourceTypes, string)>)[(ResourceTypes.Listeners, TypeUrls.Listener), (ResourceTypes.Routes, TypeUrls.Route)])
            {
                if ((types & type) == 0) Assert.True(ResourceBytes.Of(was, typeUrl).SequenceEqual(ResourceBytes.Of(now, typeUrl)), $"{change}: {node.Id}'s {typeUrl} changed but was not regenerated");
            }
            endpointsChanged |= !ResourceBytes.Of(was, TypeUrls.Endpoints).SequenceEqual(ResourceBytes.Of(now, TypeUrls.Endpoints));
        }
        Assert.True(endpointsChanged, $"{change}: no proxy's endpoints changed");
    }

    [Fact]
    public void TypesAffected_AnEndpointThatChangesNoClusterOrOneThatDoes_EndpointsAloneOrClustersToo()
    {
        var before = Simulation.Load(Local);
        var added = PushRequest.ForConfigs(new HashSet<ConfigKey> { new(WorkloadEntry, "default", "backend-v3") }, DateTimeOffset.UnixEpoch);
        var relabelled = LocalCases.Single(c => c.Key.StartsWith("a WorkloadEntry relabelled", StringComparison.Ordinal)).Value;

        // Another backend workload of the same identity: backend's clusters stand as they were.
        Assert.Equal(ResourceTypes.Endpoints, ProxyDependencies.TypesAffected(Frontend, before, Simulation.Load([.. Local, BackendV3]), added));
        // Subset v1 loses its only endpoint, so its cluster no longer uses mutual TLS.
        Assert.Equal(ResourceTypes.Clusters | ResourceTypes.Endpoints,
            ProxyDependencies.TypesAffected(Frontend, before, Simulation.Load(relabelled.After), PushRequest.ForConfigs(new HashSet<ConfigKey>(relabelled.Keys), DateTimeOffset.UnixEpoch)));
    }

    [Fact]
    public void TypesAffected_ItsOwnWorkloadListedAnew_ASidecarsInboundListenersChange()
    {
        // Why the workloadSelector case regenerates backend-v2 whole: it now listens on the admin port too.
        var before = Simulation.Load(Local);
        var after = Simulation.Load([.. Local[..^1], AdminOfBackendV2]);

        Assert.NotEqual(ResourceBytes.Of(ProxyConfigGenerator.Generate(BackendV2, before), TypeUrls.Listener), ResourceBytes.Of(ProxyConfigGenerator.Generate(BackendV2, after), TypeUrls.Listener));
    }

    [Fact]
    public void TypesAffected_EndpointsWithARouteEdit_TheUnionOfBoth()
    {
        var request = PushRequest.ForConfigs(
            new HashSet<ConfigKey> { new(WorkloadEntry, "default", "backend-v3"), new("VirtualService", "default", "backend") }, DateTimeOffset.UnixEpoch);

        Assert.Equal(ResourceTypes.Endpoints | ResourceTypes.Routes, ProxyDependencies.TypesAffected(Frontend, Simulation.Load(Local), Simulation.Load([.. Local, BackendV3]), request));
    }

    [Fact]
    public void NeedsPush_AWorkloadEntryNoServiceSelects_ReachesOnlyItsOwnProxy()
    {
        var loner = BackendV3.Replace("app: backend", "app: batch", StringComparison.Ordinal).Replace("backend-v3", "batch-1", StringComparison.Ordinal);
        var request = PushRequest.ForConfigs(new HashSet<ConfigKey> { new(WorkloadEntry, "default", "batch-1") }, DateTimeOffset.UnixEpoch);
        var (before, after) = (Simulation.Load(Local), Simulation.Load([.. Local, loner]));

        foreach (var node in LocalProxies) Assert.False(ProxyDependencies.NeedsPush(node, before, after, request), node.Id);
        Assert.True(ProxyDependencies.NeedsPush(TestNodes.Sidecar("batch-1"), before, after, request));
    }
}
