using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// A DestinationRule change regenerates a proxy's clusters and endpoints alone: no listener or route reads a rule. Each
/// case edits, adds or removes a rule in the demo's mesh; for every proxy pushed, the types are checked, and so is what
/// they leave out: its listeners and routes are byte for byte those a full generation gives.
/// </summary>
public sealed class DestinationRuleChangesTests
{
    private static readonly string[] Demo = [DemoYaml.Workloads, DemoYaml.BackendSubsets, DemoYaml.BackendRouting, DemoYaml.IngressGateway];

    private static readonly Node[] Proxies = [TestNodes.Sidecar("frontend-v1"), CapturedFrontend(), TestNodes.Sidecar("backend-v1"), TestNodes.Sidecar("backend-v2"), TestNodes.Router()];

    private static Node CapturedFrontend()
    {
        var node = TestNodes.Sidecar("frontend-v1");
        node.InboundCapturePort = 15006;
        return node;
    }

    private static string Backend(string trafficPolicy, string subsets = "[{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]") => $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: backend, namespace: default }
        spec:
          host: backend
          trafficPolicy: {{trafficPolicy}}
          subsets: {{subsets}}
        """;

    public static TheoryData<string> Changes() => [.. Cases.Keys];

    // Each change: the backend rule after it (null: removed), and any other rule added.
    private static readonly Dictionary<string, (string? Backend, string? Added)> Cases = new()
    {
        ["a subset removed"] = (Backend("{ loadBalancer: { simple: ROUND_ROBIN } }", "[{ name: v1, labels: { version: v1 } }]"), null),
        ["mutual TLS turned off"] = (Backend("{ loadBalancer: { simple: ROUND_ROBIN }, tls: { mode: DISABLE } }"), null),
        // Applied to the backends' inbound clusters too, as Istio does.
        ["a connection pool"] = (Backend("{ connectionPool: { tcp: { maxConnections: 10, connectTimeout: 2s }, http: { http1MaxPendingRequests: 5 } } }"), null),
        ["consistent hashing on a header, per port"] = (Backend("{ portLevelSettings: [{ port: { number: 9080 }, loadBalancer: { consistentHash: { httpHeaderName: x-user } } }] }"), null),
        ["outlier detection with h2 upgrade"] = (Backend("{ outlierDetection: { consecutive5xxErrors: 3, interval: 5s }, connectionPool: { http: { h2UpgradePolicy: UPGRADE } } }"), null),
        ["the rule removed"] = (null, null),
        ["a rule for frontend's workloads only"] = (DemoYaml.BackendSubsets, """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: backend-from-frontend, namespace: default }
            spec:
              host: backend
              workloadSelector: { matchLabels: { app: frontend } }
              trafficPolicy: { loadBalancer: { simple: LEAST_REQUEST } }
            """),
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void TypesAffected_DestinationRuleChange_ClustersAndEndpointsAloneAndListenersAndRoutesUnchanged(string change)
    {
        var (backend, added) = Cases[change];
        string[] after = [DemoYaml.Workloads, .. backend is null ? [] : (string[])[backend], DemoYaml.BackendRouting, DemoYaml.IngressGateway, .. added is null ? [] : (string[])[added]];
        var (before, now) = (Simulation.Load(Demo), Simulation.Load(after));
        var keys = new HashSet<ConfigKey> { new(Mesh.Istio.Networking.DestinationRule.KindName, "default", added is null ? "backend" : "backend-from-frontend") };
        var request = PushRequest.ForConfigs(keys, DateTimeOffset.UnixEpoch);
        var clustersChanged = false;
        foreach (var node in Proxies)
        {
            if (!ProxyDependencies.NeedsPush(node, before, now, request)) continue;
            Assert.Equal(ResourceTypes.Clusters | ResourceTypes.Endpoints, ProxyDependencies.TypesAffected(node, before, now, request));
            var (was, regenerated) = (ProxyConfigGenerator.Generate(node, before), ProxyConfigGenerator.Generate(node, now));
            Assert.True(ResourceBytes.Of(was, TypeUrls.Listener).SequenceEqual(ResourceBytes.Of(regenerated, TypeUrls.Listener)), $"{change}: {node.Id}'s listeners changed");
            Assert.True(ResourceBytes.Of(was, TypeUrls.Route).SequenceEqual(ResourceBytes.Of(regenerated, TypeUrls.Route)), $"{change}: {node.Id}'s routes changed");
            clustersChanged |= !ResourceBytes.Of(was, TypeUrls.Cluster).SequenceEqual(ResourceBytes.Of(regenerated, TypeUrls.Cluster));
        }
        Assert.True(clustersChanged, $"{change}: no proxy's clusters changed");
    }

    [Fact]
    public void TypesAffected_DestinationRuleAndVirtualServiceTogether_TheUnionOfWhatEachAffects()
    {
        var snapshot = Simulation.Load(Demo);
        var both = PushRequest.ForConfigs(
            new HashSet<ConfigKey> { new("VirtualService", "default", "backend"), new(Mesh.Istio.Networking.DestinationRule.KindName, "default", "backend") },
            DateTimeOffset.UnixEpoch);

        Assert.Equal(ResourceTypes.Clusters | ResourceTypes.Endpoints | ResourceTypes.Routes, ProxyDependencies.TypesAffected(Proxies[0], snapshot, snapshot, both));
        Assert.Equal(ResourceTypes.All, ProxyDependencies.TypesAffected(TestNodes.Router(), snapshot, snapshot, both));
    }
}
