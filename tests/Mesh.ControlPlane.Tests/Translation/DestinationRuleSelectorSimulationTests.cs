using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// DestinationRule <c>workloadSelector</c>: the rule applies to the outbound traffic of the workloads it selects in its
/// own namespace, sidecars and gateways alike; every other proxy gets the rule it would get without it.
/// </summary>
public sealed class DestinationRuleSelectorSimulationTests
{
    private const string BackendCluster = "outbound|9080||backend.default.svc.cluster.local";
    private const string BackendV2Cluster = "outbound|9080|v2|backend.default.svc.cluster.local";

    // For frontend only: a shorter connect timeout, and subset v1 alone.
    private const string FrontendRule = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: backend-from-frontend, namespace: default }
        spec:
          host: backend
          workloadSelector: { matchLabels: { app: frontend } }
          trafficPolicy: { connectionPool: { tcp: { connectTimeout: 3s } } }
          subsets:
          - name: v1
            labels: { version: v1 }
        """;

    // Namespace other: reports and audit call the backend; the rule there selects reports. A workload of the default
    // namespace carries the same label.
    private const string OtherNamespace = """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: reports-v1, namespace: other }
        spec: { address: 127.0.0.9, labels: { app: reports }, serviceAccount: reports }
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: audit-v1, namespace: other }
        spec: { address: 127.0.0.10, labels: { app: audit }, serviceAccount: audit }
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: reports-v9, namespace: default }
        spec: { address: 127.0.0.11, labels: { app: reports }, serviceAccount: reports }
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: backend-from-reports, namespace: other }
        spec:
          host: backend.default.svc.cluster.local
          workloadSelector: { matchLabels: { app: reports } }
          trafficPolicy: { connectionPool: { tcp: { connectTimeout: 2s } } }
        """;

    [Fact]
    public void SelectedSidecar_GetsItsRuleWhole_ItsNeighbourInOneSnapshotTheNamespaceRule()
    {
        var snapshot = Simulation.Load(DemoYaml.Workloads, DemoYaml.BackendSubsets, FrontendRule);

        // backend-v2 first: a shared build keyed without the selected rules would hand frontend backend-v2's clusters.
        var neighbour = Simulation.Of(snapshot, TestNodes.Sidecar("backend-v2"));
        var selected = Simulation.Of(snapshot, TestNodes.Sidecar("frontend-v1"));

        Assert.Equal(10_000u, neighbour.Cluster(BackendCluster).ConnectTimeoutMs);
        Assert.Equal(BackendV2Cluster, neighbour.Cluster(BackendV2Cluster).Name);
        Assert.Equal(3_000u, selected.Cluster(BackendCluster).ConnectTimeoutMs);
        // One rule applies whole: the selected rule's subsets, not the namespace rule's v2.
        Assert.DoesNotContain(selected.Resources.Clusters, c => c.Name == BackendV2Cluster);
        Assert.Equal(3_000u, selected.Cluster("outbound|9080|v1|backend.default.svc.cluster.local").ConnectTimeoutMs);
    }

    [Fact]
    public void RuleOfAnotherNamespace_SelectsOnlyThere_AndWhomItDoesNotSelectGetsTheServicesRule()
    {
        var snapshot = Simulation.Load(DemoYaml.Workloads, DemoYaml.BackendSubsets, OtherNamespace);

        Assert.Equal(2_000u, Simulation.Of(snapshot, TestNodes.Sidecar("reports-v1", "other")).Cluster(BackendCluster).ConnectTimeoutMs);
        // audit is in the rule's namespace but not selected: the backend's own rule, subsets and all.
        var audit = Simulation.Of(snapshot, TestNodes.Sidecar("audit-v1", "other"));
        Assert.Equal(10_000u, audit.Cluster(BackendCluster).ConnectTimeoutMs);
        Assert.Equal(BackendV2Cluster, audit.Cluster(BackendV2Cluster).Name);
        // The same labels in another namespace are not selected.
        Assert.Equal(10_000u, Simulation.Of(snapshot, TestNodes.Sidecar("reports-v9")).Cluster(BackendCluster).ConnectTimeoutMs);
    }

    [Fact]
    public void GatewaySelected_GetsTheRule()
    {
        var gatewayRule = FrontendRule.Replace("app: frontend", "istio: ingressgateway", StringComparison.Ordinal);
        var gateway = Simulation.Router("istio-ingressgateway", "default", DemoYaml.IngressLabels, DemoYaml.Workloads, DemoYaml.BackendSubsets, gatewayRule);

        Assert.Equal(3_000u, gateway.Cluster(BackendCluster).ConnectTimeoutMs);
    }

    [Fact]
    public void WildcardRuleWithSelector_BeatsACatchAllOfTheSameHostForWhomItSelects()
    {
        var catchAll = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: all-local, namespace: default }
            spec:
              host: "*.default.svc.cluster.local"
              trafficPolicy: { connectionPool: { tcp: { connectTimeout: 5s } } }
            """;
        var selecting = catchAll.Replace("name: all-local", "name: all-local-frontend", StringComparison.Ordinal)
            .Replace("connectTimeout: 5s", "connectTimeout: 4s", StringComparison.Ordinal)
            .Replace("  trafficPolicy:", "  workloadSelector: { matchLabels: { app: frontend } }\n  trafficPolicy:", StringComparison.Ordinal);
        var snapshot = Simulation.Load(DemoYaml.Workloads, catchAll, selecting);

        Assert.Equal(4_000u, Simulation.Of(snapshot, TestNodes.Sidecar("frontend-v1")).Cluster(BackendCluster).ConnectTimeoutMs);
        Assert.Equal(5_000u, Simulation.Of(snapshot, TestNodes.Sidecar("backend-v1")).Cluster(BackendCluster).ConnectTimeoutMs);
    }

    [Fact]
    public void DestinationRulesSelecting_ListsOnlyTheProxysNamespacesMatchingRules()
    {
        var snapshot = Simulation.Load(DemoYaml.Workloads, DemoYaml.BackendSubsets, FrontendRule, OtherNamespace);
        var labels = new Dictionary<string, string> { ["app"] = "frontend", ["version"] = "v1" };

        Assert.Equal(["backend-from-frontend"], snapshot.DestinationRulesSelecting("default", labels).Select(r => r.Resource.Metadata.Name));
        Assert.Empty(snapshot.DestinationRulesSelecting("other", labels));
        Assert.Empty(snapshot.DestinationRulesSelecting("default", new Dictionary<string, string> { ["app"] = "backend" }));
    }
}
