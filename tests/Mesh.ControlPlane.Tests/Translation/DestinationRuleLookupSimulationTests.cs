namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// Which DestinationRule a proxy's clusters take, as Istio's lookup finds it: the proxy's namespace, then the service's,
/// then the root namespace; and several rules of one host and namespace merged, as Istio merges them.
/// </summary>
public sealed class DestinationRuleLookupSimulationTests
{
    private const string BackendCluster = "outbound|9080||backend.default.svc.cluster.local";

    // A proxy in each of two more namespaces.
    private const string MoreNamespaces = """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: probe, namespace: tools }
        spec: { address: 127.0.0.20, labels: { app: probe }, serviceAccount: probe }
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: reports-v1, namespace: other }
        spec: { address: 127.0.0.21, labels: { app: reports }, serviceAccount: reports }
        """;

    [Fact]
    public void TwoRulesForOneHost_Merge_SubsetsOfBothAndTheFirstsPolicy()
    {
        var snapshot = Simulation.Load(DemoYaml.Workloads,
            Rule("backend-a", "default", "trafficPolicy: { connectionPool: { tcp: { connectTimeout: 3s } } }\n  subsets: [{ name: v1, labels: { version: v1 } }]"),
            // Its v1 is a duplicate, dropped as Istio drops it: the first rule's v1 selects version v1.
            Rule("backend-b", "default", "trafficPolicy: { connectionPool: { tcp: { connectTimeout: 7s } } }\n  subsets: [{ name: v2, labels: { version: v2 } }, { name: v1, labels: { version: v2 } }]"));
        var frontend = Simulation.Of(snapshot, TestNodes.Sidecar("frontend-v1"));

        Assert.Equal(3_000u, frontend.Cluster(BackendCluster).ConnectTimeoutMs);
        Assert.Equal(3_000u, frontend.Cluster("outbound|9080|v2|backend.default.svc.cluster.local").ConnectTimeoutMs);
        Assert.Equal("127.0.0.2", Assert.Single(frontend.Endpoints("outbound|9080|v1|backend.default.svc.cluster.local").Endpoints).Address);
        Assert.Equal("127.0.0.3", Assert.Single(frontend.Endpoints("outbound|9080|v2|backend.default.svc.cluster.local").Endpoints).Address);
    }

    [Fact]
    public void FirstRuleWithoutPolicy_TakesTheNextRulesPolicy()
    {
        var frontend = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads,
            Rule("backend-a", "default", "subsets: [{ name: v1, labels: { version: v1 } }]"),
            Rule("backend-b", "default", "trafficPolicy: { connectionPool: { tcp: { connectTimeout: 7s } } }"));

        Assert.Equal(7_000u, frontend.Cluster(BackendCluster).ConnectTimeoutMs);
        Assert.Equal(7_000u, frontend.Cluster("outbound|9080|v1|backend.default.svc.cluster.local").ConnectTimeoutMs);
    }

    [Fact]
    public void RuleOfAThirdNamespace_AppliesToItsOwnNamespacesProxiesOnly()
    {
        var snapshot = Simulation.Load(DemoYaml.Workloads, MoreNamespaces,
            Rule("backend", "tools", "trafficPolicy: { connectionPool: { tcp: { connectTimeout: 2s } } }"));

        Assert.Equal(2_000u, Simulation.Of(snapshot, TestNodes.Sidecar("probe", "tools")).Cluster(BackendCluster).ConnectTimeoutMs);
        Assert.Equal(10_000u, Simulation.Of(snapshot, TestNodes.Sidecar("reports-v1", "other")).Cluster(BackendCluster).ConnectTimeoutMs);
        Assert.Equal(10_000u, Simulation.Of(snapshot, TestNodes.Sidecar("frontend-v1")).Cluster(BackendCluster).ConnectTimeoutMs);
    }

    [Fact]
    public void RootNamespaceRule_AppliesWhereTheServicesNamespaceHasNone()
    {
        var root = Rule("backend", "istio-system", "trafficPolicy: { connectionPool: { tcp: { connectTimeout: 6s } } }");

        Assert.Equal(6_000u, Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, root).Cluster(BackendCluster).ConnectTimeoutMs);
        Assert.Equal(10_000u, Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, root, DemoYaml.BackendSubsets).Cluster(BackendCluster).ConnectTimeoutMs);
    }

    [Fact]
    public void ProxysNamespaceWildcard_BeatsTheServicesNamespaceExactHost()
    {
        var reports = Simulation.Sidecar("reports-v1", "other", DemoYaml.Workloads, MoreNamespaces, DemoYaml.BackendSubsets, """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: default-services, namespace: other }
            spec:
              host: "*.default.svc.cluster.local"
              trafficPolicy: { connectionPool: { tcp: { connectTimeout: 4s } } }
            """);

        Assert.Equal(4_000u, reports.Cluster(BackendCluster).ConnectTimeoutMs);
        Assert.DoesNotContain(reports.Resources.Clusters, c => c.Name == "outbound|9080|v1|backend.default.svc.cluster.local");
    }

    /// <summary>A DestinationRule for backend.default.svc.cluster.local in <paramref name="ns"/>, with <paramref name="spec"/> under its host.</summary>
    private static string Rule(string name, string ns, string spec) => $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: {{name}}, namespace: {{ns}} }
        spec:
          host: backend.default.svc.cluster.local
          {{spec}}
        """;
}
