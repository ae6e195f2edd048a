using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Kubernetes;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;

namespace Mesh.ControlPlane.Tests.Kubernetes;

/// <summary>
/// Which proxies a registry change reaches: each change is made to the Kubernetes objects, its keys are what
/// <see cref="KubernetesRegistry.ChangedKeys"/> reports, and every proxy's push decision is checked — a skipped push
/// is checked to be safe (the proxy's configuration is the same before and after).
/// </summary>
public sealed class RegistryPushScopeTests
{
    private const string Services = """
        apiVersion: v1
        kind: Service
        metadata: { name: reviews, namespace: bookinfo }
        spec:
          clusterIP: 10.96.0.20
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
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: ledger, namespace: other, annotations: { networking.istio.io/exportTo: . } }
        spec:
          clusterIP: 10.96.0.30
          ports: [{ name: http, port: 8080, targetPort: 8080 }]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: ledger-x1, namespace: other, labels: { kubernetes.io/service-name: ledger } }
        addressType: IPv4
        ports: [{ name: http, port: 8080 }]
        endpoints:
        - { addresses: [10.0.1.1], targetRef: { kind: Pod, name: ledger-1, namespace: other } }
        """;

    // A ServiceEntry selecting a pod that no Service lists: a change of the pod reaches its clients through the entry.
    private const string Legacy = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: legacy, namespace: bookinfo }
        spec:
          hosts: [legacy.bookinfo.svc.cluster.local]
          location: MESH_INTERNAL
          ports: [{ number: 80, name: http, protocol: HTTP }]
          resolution: STATIC
          workloadSelector: { labels: { app: legacy } }
        """;

    private static readonly string ReviewsV1 = KubeYaml.Pod("reviews-v1", "10.0.0.11", "{ app: reviews, version: v1 }", "reviews", "bookinfo");
    private static readonly string ReviewsV2 = KubeYaml.Pod("reviews-v2", "10.0.0.12", "{ app: reviews, version: v2 }", "reviews", "bookinfo");
    private static readonly string Ledger1 = KubeYaml.Pod("ledger-1", "10.0.1.1", "{ app: ledger }", "ledger", "other", ports: "[{ name: http, containerPort: 8080 }]");
    private static readonly string Legacy1 = KubeYaml.Pod("legacy-1", "10.0.0.40", "{ app: legacy }", ns: "bookinfo", ports: "[{ name: http, containerPort: 8000 }]");

    private static readonly string[] Base = [Services, ReviewsV1, ReviewsV2, Ledger1, Legacy1];

    private static readonly Node ReviewsProxy = TestNodes.Sidecar("reviews-v1", "bookinfo");
    private static readonly Node LedgerProxy = TestNodes.Sidecar("ledger-1", "other");
    private static readonly Node Frontend = TestNodes.Sidecar("frontend", "web");
    private static readonly Node Gateway = TestNodes.Router();
    private static readonly Node[] Everyone = [ReviewsProxy, LedgerProxy, Frontend, Gateway];

    public static TheoryData<string> Changes() => [.. ChangeCases.Keys];

    private static readonly Dictionary<string, (string[] After, Node[] Pushed)> ChangeCases = new()
    {
        // An endpoint leaving a Service exported everywhere: every proxy's clusters of it.
        ["endpoint of reviews not ready"] = (
            [Services.Replace("conditions: { ready: true }", "conditions: { ready: false }", StringComparison.Ordinal), ReviewsV1, ReviewsV2, Ledger1, Legacy1],
            Everyone),
        // A Service exported to its own namespace: only the proxies there.
        ["ledger port"] = (
            [Services.Replace("port: 8080, targetPort: 8080", "port: 8081, targetPort: 8080", StringComparison.Ordinal), ReviewsV1, ReviewsV2, Ledger1, Legacy1],
            [LedgerProxy]),
        // A pod's own ports (no Service endpoint changes): only its sidecar (its inbound listeners).
        ["reviews-v1 container port"] = (
            [Services, ReviewsV1.Replace("containerPort: 9080", "containerPort: 9081", StringComparison.Ordinal), ReviewsV2, Ledger1, Legacy1],
            [ReviewsProxy]),
        // A pod a ServiceEntry selects: the proxies that reach the entry.
        ["legacy-1 container port"] = (
            [Services, ReviewsV1, ReviewsV2, Ledger1, Legacy1.Replace("containerPort: 8000", "containerPort: 8001", StringComparison.Ordinal)],
            Everyone),
        // A new pod no one selects and no proxy runs as.
        ["pod added"] = (
            [.. Base, KubeYaml.Pod("batch-1", "10.0.0.90", "{ app: batch }", ns: "bookinfo")],
            []),
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void NeedsPush_RegistryChange_PushesExactlyTheProxiesItCanAffect(string change)
    {
        var (after, pushed) = ChangeCases[change];
        var registryBefore = KubernetesRegistry.Build(KubeYaml.Objects(Base), "cluster.local");
        var registryAfter = KubernetesRegistry.Build(KubeYaml.Objects(after), "cluster.local");
        var keys = KubernetesRegistry.ChangedKeys(registryBefore, registryAfter);
        Assert.NotEmpty(keys);
        var before = Snapshot(registryBefore);
        var next = Snapshot(registryAfter);
        var request = PushRequest.ForConfigs(keys, DateTimeOffset.UnixEpoch);

        foreach (var node in Everyone)
        {
            var needsPush = ProxyDependencies.NeedsPush(node, before, next, request);
            Assert.True(needsPush == pushed.Contains(node), $"{change}: {node.Id} {(needsPush ? "pushed" : "skipped")}, expected the opposite");
            if (!needsPush)
            {
                Assert.True(RegistryTranslationTests.Generated(node, before) == RegistryTranslationTests.Generated(node, next),
                    $"{change}: {node.Id} was skipped but its configuration changed");
            }
        }
    }

    [Fact]
    public void NeedsPush_ServiceRemoved_JudgedByWhatItWas()
    {
        var before = Snapshot(KubernetesRegistry.Build(KubeYaml.Objects(Base), "cluster.local"));
        var next = Snapshot(KubernetesRegistry.Build(KubeYaml.Objects(ReviewsV1, ReviewsV2, Ledger1, Legacy1), "cluster.local"));
        var request = PushRequest.ForConfigs(new HashSet<ConfigKey> { new("Service", "other", "ledger") }, DateTimeOffset.UnixEpoch);

        Assert.True(ProxyDependencies.NeedsPush(LedgerProxy, before, next, request));
        Assert.False(ProxyDependencies.NeedsPush(Frontend, before, next, request));
    }

    private static MeshSnapshot Snapshot(PlatformRegistry registry) =>
        MeshSnapshotBuilder.Build(1, IstioConfigLoader.LoadText(Legacy, "legacy.yaml").Resources, registry: registry);
}
