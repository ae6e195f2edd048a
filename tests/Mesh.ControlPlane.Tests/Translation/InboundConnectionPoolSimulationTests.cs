namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// The connection pool of a sidecar's inbound cluster, as Istio builds it: the Sidecar's (ingress listener for the
/// port, else inboundConnectionPool), else the connectionPool of the DestinationRule of the service sending to the port.
/// </summary>
public sealed class InboundConnectionPoolSimulationTests
{
    // backend-v1's application port, where the backend service (port 9080) sends.
    private const string InboundCluster = "inbound|17002||";

    [Fact]
    public void NoRuleNoSidecar_NoThresholdsAndTheDefaultConnectTimeout()
    {
        var cluster = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, DemoYaml.BackendSubsets).Cluster(InboundCluster);

        Assert.Null(cluster.ConnectionPool);
        Assert.Equal(10_000u, cluster.ConnectTimeoutMs);
    }

    [Fact]
    public void ServicesDestinationRule_ItsConnectionPoolAppliesInbound_PortLevelFirst()
    {
        var topLevel = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads,
            Rule("trafficPolicy: { connectionPool: { tcp: { maxConnections: 7, connectTimeout: 4s }, http: { http2MaxRequests: 9 } } }"));
        var cluster = topLevel.Cluster(InboundCluster);
        Assert.Equal((7u, 9u, 4_000u), (cluster.ConnectionPool.MaxConnections, cluster.ConnectionPool.MaxRequests, cluster.ConnectTimeoutMs));

        var portLevel = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, Rule("""
            trafficPolicy:
                connectionPool: { tcp: { maxConnections: 7 } }
                portLevelSettings:
                - { port: { number: 9080 }, connectionPool: { tcp: { maxConnections: 3 } } }
            """));
        Assert.Equal(3u, portLevel.Cluster(InboundCluster).ConnectionPool.MaxConnections);
    }

    [Fact]
    public void SidecarsPools_ReplaceTheRulesWhole_TheIngressListenersForItsPortFirst()
    {
        var rule = Rule("trafficPolicy: { connectionPool: { tcp: { maxConnections: 7, connectTimeout: 4s } } }");
        var sidecar = """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: backend, namespace: default }
            spec:
              workloadSelector: { labels: { app: backend } }
              inboundConnectionPool: { http: { http1MaxPendingRequests: 50 } }
            """;
        var whole = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, rule, sidecar).Cluster(InboundCluster);
        // Replaced whole: the rule's maxConnections and connect timeout are gone.
        Assert.Equal((50u, 0u, 10_000u), (whole.ConnectionPool.MaxPendingRequests, whole.ConnectionPool.MaxConnections, whole.ConnectTimeoutMs));

        var perPort = sidecar + """

              ingress:
              - port: { number: 17002, protocol: HTTP, name: http }
                defaultEndpoint: 127.0.0.1:17002
                connectionPool: { tcp: { maxConnections: 60 } }
            """;
        Assert.Equal(60u, Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, rule, perPort).Cluster(InboundCluster).ConnectionPool.MaxConnections);
    }

    [Fact]
    public void RuleWithAWorkloadSelector_IsForOutboundTrafficOnly()
    {
        var selecting = Rule("workloadSelector: { matchLabels: { app: backend } }\n  trafficPolicy: { connectionPool: { tcp: { maxConnections: 7 } } }");

        Assert.Null(Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, selecting).Cluster(InboundCluster).ConnectionPool);
    }

    private static string Rule(string spec) => $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: backend-pool, namespace: default }
        spec:
          host: backend
          {{spec}}
        """;
}
