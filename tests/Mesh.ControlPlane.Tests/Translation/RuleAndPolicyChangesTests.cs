using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;
using Mesh.Istio.Networking;
using AuthorizationPolicy = Mesh.Istio.Security.AuthorizationPolicy;
using PeerAuthentication = Mesh.Istio.Security.PeerAuthentication;
using RequestAuthentication = Mesh.Istio.Security.RequestAuthentication;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// A DestinationRule change regenerates a proxy's clusters and endpoints alone, an AuthorizationPolicy or
/// RequestAuthentication change its listeners alone, and a PeerAuthentication change its listeners and clusters:
/// nothing else reads them. Each case edits, adds or removes one in the demo's mesh; for every proxy pushed, the types
/// are checked, and so is what they leave out: those types are byte for byte what a full generation gives.
/// </summary>
public sealed class RuleAndPolicyChangesTests
{
    private static readonly string[] Demo = [DemoYaml.Workloads, DemoYaml.BackendSubsets, DemoYaml.BackendRouting, DemoYaml.IngressGateway];

    private static readonly Node[] Proxies = [TestNodes.Sidecar("frontend-v1"), CapturedFrontend(), TestNodes.Sidecar("backend-v1"), TestNodes.Sidecar("backend-v2"), TestNodes.Router()];

    private const ResourceTypes ClustersAndEndpoints = ResourceTypes.Clusters | ResourceTypes.Endpoints;
    private const ResourceTypes ListenersAndClusters = ResourceTypes.Listeners | ResourceTypes.Clusters;

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

    private static string Policy(string kind, string ns, string spec) => $$"""
        apiVersion: security.istio.io/v1
        kind: {{kind}}
        metadata: { name: policy, namespace: {{ns}} }
        spec: {{spec}}
        """;

    private const string FromFrontendOnly = "{ selector: { matchLabels: { app: backend } }, rules: [{ from: [{ source: { principals: [cluster.local/ns/default/sa/frontend] } }] }] }";
    private const string Jwt = "{ jwtRules: [{ issuer: https://issuer.example, jwks: '{\"keys\":[]}' }] }";

    public static TheoryData<string> Changes() => [.. Cases.Keys];

    // Each change: the documents after it (the demo's without its DestinationRule, then these), the key changed, and the types it shapes.
    private static readonly Dictionary<string, (string[] After, ConfigKey Key, ResourceTypes Types)> Cases = new()
    {
        ["DestinationRule: a subset removed"] = (
            [Backend("{ loadBalancer: { simple: ROUND_ROBIN } }", "[{ name: v1, labels: { version: v1 } }]")], RuleKey("backend"), ClustersAndEndpoints),
        ["DestinationRule: mutual TLS turned off"] = (
            [Backend("{ loadBalancer: { simple: ROUND_ROBIN }, tls: { mode: DISABLE } }")], RuleKey("backend"), ClustersAndEndpoints),
        // Applied to the backends' inbound clusters too, as Istio does.
        ["DestinationRule: a connection pool"] = (
            [Backend("{ connectionPool: { tcp: { maxConnections: 10, connectTimeout: 2s }, http: { http1MaxPendingRequests: 5 } } }")], RuleKey("backend"), ClustersAndEndpoints),
        ["DestinationRule: consistent hashing on a header, per port"] = (
            [Backend("{ portLevelSettings: [{ port: { number: 9080 }, loadBalancer: { consistentHash: { httpHeaderName: x-user } } }] }")], RuleKey("backend"), ClustersAndEndpoints),
        ["DestinationRule: outlier detection with h2 upgrade"] = (
            [Backend("{ outlierDetection: { consecutive5xxErrors: 3, interval: 5s }, connectionPool: { http: { h2UpgradePolicy: UPGRADE } } }")], RuleKey("backend"), ClustersAndEndpoints),
        ["DestinationRule: removed"] = ([], RuleKey("backend"), ClustersAndEndpoints),
        ["DestinationRule: one for frontend's workloads only"] = ([DemoYaml.BackendSubsets, """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: backend-from-frontend, namespace: default }
            spec:
              host: backend
              workloadSelector: { matchLabels: { app: frontend } }
              trafficPolicy: { loadBalancer: { simple: LEAST_REQUEST } }
            """], RuleKey("backend-from-frontend"), ClustersAndEndpoints),
        ["AuthorizationPolicy: the backends take frontend's requests only"] = (
            [DemoYaml.BackendSubsets, Policy(AuthorizationPolicy.KindName, "default", FromFrontendOnly)], new(AuthorizationPolicy.KindName, "default", "policy"), ResourceTypes.Listeners),
        ["AuthorizationPolicy: mesh-wide, from the root namespace"] = (
            [DemoYaml.BackendSubsets, Policy(AuthorizationPolicy.KindName, MeshSettings.RootNamespace, "{ action: DENY, rules: [{ to: [{ operation: { paths: [/admin] } }] }] }")],
            new(AuthorizationPolicy.KindName, MeshSettings.RootNamespace, "policy"), ResourceTypes.Listeners),
        ["PeerAuthentication: the backends' mutual TLS turned off, so their clients' too"] = (
            [DemoYaml.BackendSubsets, Policy(PeerAuthentication.KindName, "default", "{ selector: { matchLabels: { app: backend } }, mtls: { mode: DISABLE } }")],
            new(PeerAuthentication.KindName, "default", "policy"), ListenersAndClusters),
        ["PeerAuthentication: one port of the backends in plaintext"] = (
            [DemoYaml.BackendSubsets, Policy(PeerAuthentication.KindName, "default", "{ selector: { matchLabels: { app: backend } }, portLevelMtls: { 17002: { mode: DISABLE } } }")],
            new(PeerAuthentication.KindName, "default", "policy"), ListenersAndClusters),
        ["PeerAuthentication: mesh-wide STRICT, from the root namespace"] = (
            [DemoYaml.BackendSubsets, Policy(PeerAuthentication.KindName, MeshSettings.RootNamespace, "{ mtls: { mode: STRICT } }")],
            new(PeerAuthentication.KindName, MeshSettings.RootNamespace, "policy"), ListenersAndClusters),
        ["RequestAuthentication: JWTs at every proxy of the namespace"] = (
            [DemoYaml.BackendSubsets, Policy(RequestAuthentication.KindName, "default", Jwt)], new(RequestAuthentication.KindName, "default", "policy"), ResourceTypes.Listeners),
    };

    private static ConfigKey RuleKey(string name) => new(DestinationRule.KindName, "default", name);

    [Theory]
    [MemberData(nameof(Changes))]
    public void TypesAffected_RuleOrPolicyChange_TheTypesItShapesAndTheOthersUnchanged(string change)
    {
        var (added, key, shaped) = Cases[change];
        var (before, after) = (Simulation.Load(Demo), Simulation.Load([DemoYaml.Workloads, DemoYaml.BackendRouting, DemoYaml.IngressGateway, .. added]));
        var request = PushRequest.ForConfigs(new HashSet<ConfigKey> { key }, DateTimeOffset.UnixEpoch);
        var shapedChanged = false;
        foreach (var node in Proxies)
        {
            if (!ProxyDependencies.NeedsPush(node, before, after, request)) continue;
            Assert.Equal(shaped, ProxyDependencies.TypesAffected(node, before, after, request));
            var (was, regenerated) = (ProxyConfigGenerator.Generate(node, before), ProxyConfigGenerator.Generate(node, after));
            for (var type = 0; type < TypeUrls.PushOrder.Count; type++)
            {
                var typeUrl = TypeUrls.PushOrder[type];
                var same = ResourceBytes.Of(was, typeUrl).SequenceEqual(ResourceBytes.Of(regenerated, typeUrl));
                if (((int)shaped & (1 << type)) == 0) Assert.True(same, $"{change}: {node.Id}'s {typeUrl} changed but is not regenerated");
                else shapedChanged |= !same;
            }
        }
        Assert.True(shapedChanged, $"{change}: nothing it shapes changed for any proxy");
    }

    [Fact]
    public void TypesAffected_ARuleAPolicyAndAVirtualServiceTogether_TheUnionOfWhatEachAffects()
    {
        var snapshot = Simulation.Load(Demo);
        var all = PushRequest.ForConfigs(
            new HashSet<ConfigKey> { new(VirtualService.KindName, "default", "backend"), RuleKey("backend"), new(AuthorizationPolicy.KindName, "default", "policy") },
            DateTimeOffset.UnixEpoch);

        Assert.Equal(ResourceTypes.All, ProxyDependencies.TypesAffected(Proxies[0], snapshot, snapshot, all));
        Assert.Equal(ClustersAndEndpoints | ResourceTypes.Routes,
            ProxyDependencies.TypesAffected(Proxies[0], snapshot, snapshot, PushRequest.ForConfigs(new HashSet<ConfigKey> { new(VirtualService.KindName, "default", "backend"), RuleKey("backend") }, DateTimeOffset.UnixEpoch)));
    }
}
