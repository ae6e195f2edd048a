using Mesh.Contracts.Discovery;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>DestinationRule connectionPool and outlierDetection in, the clusters' circuit breakers and ejection settings out.</summary>
public sealed class ConnectionPoolSimulationTests
{
    private const string Backend = "backend.default.svc.cluster.local";

    private const string CircuitBreaking = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: backend, namespace: default }
        spec:
          host: backend
          trafficPolicy:
            connectionPool:
              tcp:
                maxConnections: 1
                maxConnectionDuration: 30m
                idleTimeout: 2h
                tcpKeepalive: { probes: 3, time: 60s, interval: 10s }
              http:
                http1MaxPendingRequests: 2
                http2MaxRequests: 3
                maxRequestsPerConnection: 1
                maxRetries: 4
                idleTimeout: 90s
                maxConcurrentStreams: 50
                http2KeepAlive: { interval: 15s, timeout: 5s }
            outlierDetection:
              consecutive5xxErrors: 7
              interval: 1s
              baseEjectionTime: 3m
              maxEjectionPercent: 100
          subsets:
          - name: v1
            labels: { version: v1 }
          - name: v2
            labels: { version: v2 }
            trafficPolicy:
              connectionPool: { http: { http2MaxRequests: 9 } }
              outlierDetection: { consecutiveGatewayErrors: 2, consecutive5xxErrors: 0 }
          - name: v3
            labels: { version: v3 }
            trafficPolicy:
              portLevelSettings:
              - port: { number: 9080 }
                connectionPool: { tcp: { maxConnections: 11 } }
        """;

    [Fact]
    public void Generate_ConnectionPool_BecomesTheClustersThresholdsAndConnectionOptions()
    {
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, CircuitBreaking);

        var pool = sim.Cluster($"outbound|9080||{Backend}").ConnectionPool;

        Assert.Equal((1u, 2u, 3u, 4u, 1u), (pool.MaxConnections, pool.MaxPendingRequests, pool.MaxRequests, pool.MaxRetries, pool.MaxRequestsPerConnection));
        Assert.Equal((30 * 60_000u, 90_000u, 2 * 3_600_000u), (pool.MaxConnectionDurationMs, pool.IdleTimeoutMs, pool.TcpIdleTimeoutMs));
        Assert.Equal(new TcpKeepalive { Probes = 3, TimeSeconds = 60, IntervalSeconds = 10 }, pool.TcpKeepalive);
        Assert.Equal(new Http2Keepalive { IntervalMs = 15_000, TimeoutMs = 5_000 }, pool.Http2Keepalive);
        Assert.Equal(50u, pool.MaxConcurrentStreams);
    }

    [Theory]
    [InlineData("{ interval: 2s }", 2_000u, 0u)]
    [InlineData("{ timeout: 5s }", null, null)]
    public void Generate_Http2KeepAlive_PingsOnlyWithAnInterval(string keepAlive, uint? intervalMs, uint? timeoutMs)
    {
        var rule = $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: backend, namespace: default }
            spec:
              host: backend
              trafficPolicy:
                connectionPool: { http: { http1MaxPendingRequests: 2, http2KeepAlive: {{keepAlive}} } }
            """;
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, rule);

        var keepalive = sim.Cluster($"outbound|9080||{Backend}").ConnectionPool.Http2Keepalive;

        Assert.Equal((intervalMs, timeoutMs), (keepalive?.IntervalMs, keepalive?.TimeoutMs));
    }

    [Fact]
    public void Generate_OutlierDetection_FillsEnvoysDefaultsWhereIstioSetsNone()
    {
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, CircuitBreaking);

        var outlier = sim.Cluster($"outbound|9080|v1|{Backend}").OutlierDetection;

        Assert.Equal(7u, outlier.Consecutive5Xx);
        Assert.Equal(0u, outlier.ConsecutiveGatewayFailure);
        Assert.Equal((1_000u, 180_000u, 300_000u), (outlier.IntervalMs, outlier.BaseEjectionTimeMs, outlier.MaxEjectionTimeMs));
        Assert.Equal((100u, 0u), (outlier.MaxEjectionPercent, outlier.MinHealthPercent));
        Assert.False(outlier.SplitExternalLocalOriginErrors);
    }

    [Fact]
    public void Generate_SubsetPolicy_ReplacesTheRulesWhole()
    {
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, CircuitBreaking);

        var v2 = sim.Cluster($"outbound|9080|v2|{Backend}");

        // Istio replaces connectionPool and outlierDetection whole: nothing of the rule's level carries into the subset's.
        Assert.Equal(new ConnectionPool { MaxRequests = 9 }, v2.ConnectionPool);
        Assert.Equal((0u, 2u), (v2.OutlierDetection.Consecutive5Xx, v2.OutlierDetection.ConsecutiveGatewayFailure));
        Assert.Equal((10_000u, 30_000u, 10u), (v2.OutlierDetection.IntervalMs, v2.OutlierDetection.BaseEjectionTimeMs, v2.OutlierDetection.MaxEjectionPercent));
    }

    [Fact]
    public void Generate_PortLevelSettings_OverrideTheSubsetAndTheRule()
    {
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, CircuitBreaking);

        var v3 = sim.Cluster($"outbound|9080|v3|{Backend}");

        Assert.Equal(new ConnectionPool { MaxConnections = 11 }, v3.ConnectionPool);
        Assert.Equal(7u, v3.OutlierDetection.Consecutive5Xx);
    }

    [Fact]
    public void Generate_NoPolicy_LeavesTheClusterWithoutLimitsOrDetection()
    {
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, DemoYaml.BackendSubsets);

        var cluster = sim.Cluster($"outbound|9080||{Backend}");

        Assert.Null(cluster.ConnectionPool);
        Assert.Null(cluster.OutlierDetection);
    }

    [Theory]
    [InlineData("{ consecutiveErrors: 4 }", 0u, 4u, false, 0u)]
    [InlineData("{ consecutiveErrors: 4, consecutive5xxErrors: 6 }", 6u, 0u, false, 0u)]
    [InlineData("{ splitExternalLocalOriginErrors: true }", 5u, 0u, true, 5u)]
    [InlineData("{ splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 2 }", 5u, 0u, true, 2u)]
    public void Generate_OutlierDetectionVariants_AsIstioTranslatesThem(string yaml, uint consecutive5xx, uint gateway, bool split, uint localOrigin)
    {
        var outlier = Outlier(yaml);

        Assert.Equal((consecutive5xx, gateway, split, localOrigin),
            (outlier.Consecutive5Xx, outlier.ConsecutiveGatewayFailure, outlier.SplitExternalLocalOriginErrors, outlier.ConsecutiveLocalOriginFailure));
    }

    [Fact]
    public void Generate_LongBaseEjectionTime_RaisesTheCapAndMinHealthPercentSetsPanic()
    {
        var outlier = Outlier("{ baseEjectionTime: 10m, minHealthPercent: 50 }");

        // Istio raises Envoy's 300 s cap to a longer base ejection time.
        Assert.Equal((600_000u, 600_000u, 50u), (outlier.BaseEjectionTimeMs, outlier.MaxEjectionTimeMs, outlier.MinHealthPercent));
    }

    [Theory]
    [InlineData("", "ISTIO_MUTUAL", UpstreamProtocol.Http2)]                        // the mesh's default: h2 between sidecars
    [InlineData("DEFAULT", "ISTIO_MUTUAL", UpstreamProtocol.Http2)]
    [InlineData("DO_NOT_UPGRADE", "ISTIO_MUTUAL", UpstreamProtocol.Http1)]
    [InlineData("", "DISABLE", UpstreamProtocol.Http1)]                             // not between sidecars: the port's HTTP/1.1
    [InlineData("UPGRADE", "DISABLE", UpstreamProtocol.Http2)]
    [InlineData("useClientProtocol: true, h2UpgradePolicy: UPGRADE", "ISTIO_MUTUAL", UpstreamProtocol.Downstream)] // as in Istio, the client's wins
    [InlineData("useClientProtocol: true", "DISABLE", UpstreamProtocol.Downstream)]
    public void Generate_HttpPort_H2UpgradePolicyBetweenSidecarsAndElsewhere(string upgrade, string tlsMode, UpstreamProtocol expected)
    {
        var http = upgrade.Contains(':', StringComparison.Ordinal) ? upgrade : $"h2UpgradePolicy: {upgrade}";
        var pool = upgrade.Length == 0 ? "" : $"connectionPool: {{ http: {{ {http} }} }}, ";

        var cluster = BackendCluster($"{{ {pool}tls: {{ mode: {tlsMode} }} }}");

        Assert.Equal(tlsMode == "ISTIO_MUTUAL" ? UpstreamTlsMode.IstioMutual : UpstreamTlsMode.Disable, cluster.Tls?.Mode ?? UpstreamTlsMode.Disable);
        Assert.Equal(expected, cluster.Protocol);
    }

    [Theory]
    [InlineData("DO_NOT_UPGRADE", "", UpstreamProtocol.Http1)]                   // the port's own level wins
    [InlineData("DO_NOT_UPGRADE", "connectionPool: { http: { h2UpgradePolicy: UPGRADE } }, ", UpstreamProtocol.Http1)]
    [InlineData("UPGRADE", "connectionPool: { http: { h2UpgradePolicy: DO_NOT_UPGRADE } }, ", UpstreamProtocol.Http2)]
    public void Generate_PortLevelH2UpgradePolicy_TakesEffectForItsPort(string portLevel, string ruleLevel, UpstreamProtocol expected)
    {
        var cluster = BackendCluster(
            $"{{ {ruleLevel}tls: {{ mode: ISTIO_MUTUAL }}, portLevelSettings: [{{ port: {{ number: 9080 }}, connectionPool: {{ http: {{ h2UpgradePolicy: {portLevel} }} }} }}] }}");

        Assert.Equal(expected, cluster.Protocol);
    }

    [Theory]
    [InlineData("{ retryBudget: { percent: 50, minRetryConcurrency: 1 } }", 50d, 1u)]
    [InlineData("{ retryBudget: {} }", 20d, 3u)]                                     // Istio's documented defaults
    public void Generate_RetryBudget_CarriedWithIstiosDefaults(string trafficPolicy, double percent, uint floor)
    {
        var budget = BackendCluster(trafficPolicy).RetryBudget;

        Assert.Equal((percent, floor), (budget.Percent, budget.MinRetryConcurrency));
    }

    [Fact]
    public void Generate_RetryBudgetOfASubset_ReplacesTheRulesAndNoneMeansMaxRetries()
    {
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: backend, namespace: default }
            spec:
              host: backend
              trafficPolicy: { retryBudget: { percent: 10 } }
              subsets:
              - { name: v1, labels: { version: v1 }, trafficPolicy: { retryBudget: { minRetryConcurrency: 5 } } }
              - { name: v2, labels: { version: v2 } }
            """);

        Assert.Equal((20d, 5u), (sim.Cluster($"outbound|9080|v1|{Backend}").RetryBudget.Percent, sim.Cluster($"outbound|9080|v1|{Backend}").RetryBudget.MinRetryConcurrency));
        Assert.Equal(10d, sim.Cluster($"outbound|9080|v2|{Backend}").RetryBudget.Percent);
        Assert.Null(Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads).Cluster($"outbound|9080||{Backend}").RetryBudget);
    }

    private static OutlierDetection Outlier(string yaml) => BackendCluster($"{{ outlierDetection: {yaml} }}").OutlierDetection;

    /// <summary>Backend's cluster as frontend's sidecar gets it, under a DestinationRule with this trafficPolicy (flow style).</summary>
    private static Cluster BackendCluster(string trafficPolicy)
    {
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: backend, namespace: default }
            spec:
              host: backend
              trafficPolicy: {{trafficPolicy}}
            """);
        return sim.Cluster($"outbound|9080||{Backend}");
    }
}
