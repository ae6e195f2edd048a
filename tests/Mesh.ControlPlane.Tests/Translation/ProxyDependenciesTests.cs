using Google.Protobuf;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// Which proxies a change reaches: each edit below is applied to the demo mesh (plus a namespace of its own), and for
/// every proxy the push decision is checked against the expected one — and a skipped push is checked to be safe: the
/// proxy's generated configuration is the same before and after the edit.
/// </summary>
public sealed class ProxyDependenciesTests
{
    private const string OtherNamespace = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: reports, namespace: other }
        spec:
          hosts: [reports.other.svc.cluster.local]
          location: MESH_INTERNAL
          ports: [{ number: 8080, name: http, protocol: HTTP }]
          resolution: STATIC
          workloadSelector: { labels: { app: reports } }
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: reports-v1, namespace: other }
        spec:
          address: 127.0.0.9
          ports: { http: 17009 }
          labels: { app: reports, version: v1 }
          serviceAccount: reports
        """;

    // The backend's subsets are for the default namespace only, so the other namespace never sees them.
    private static readonly string ScopedSubsets = DemoYaml.BackendSubsets.Replace("host: backend\n", "host: backend\n  exportTo: [.]\n", StringComparison.Ordinal);

    private static readonly string[] Base = [DemoYaml.Workloads, ScopedSubsets, DemoYaml.BackendRouting, DemoYaml.IngressGateway, OtherNamespace];

    private static readonly Node Frontend = TestNodes.Sidecar("frontend-v1");
    private static readonly Node BackendV2 = TestNodes.Sidecar("backend-v2");
    private static readonly Node Reports = TestNodes.Sidecar("reports-v1", "other");
    private static readonly Node Gateway = TestNodes.Router();

    public static TheoryData<string> Edits() => [.. EditCases.Keys];

    // Each edit: the documents replaced or added, the keys the source reports, and which proxies must be pushed.
    private static readonly Dictionary<string, (string[] After, ConfigKey[] Keys, Node[] Pushed)> EditCases = new()
    {
        ["mesh VirtualService weights"] = (
            [DemoYaml.Workloads, ScopedSubsets, DemoYaml.BackendRouting.Replace("weight: 80", "weight: 50", StringComparison.Ordinal).Replace("weight: 20", "weight: 50", StringComparison.Ordinal), DemoYaml.IngressGateway, OtherNamespace],
            [new("VirtualService", "default", "backend")],
            [Frontend, BackendV2, Reports]),
        ["gateway VirtualService route"] = (
            [DemoYaml.Workloads, ScopedSubsets, DemoYaml.BackendRouting, DemoYaml.IngressGateway.Replace("name: frontend\n", "name: storefront\n", StringComparison.Ordinal), OtherNamespace],
            [new("VirtualService", "default", "frontend")],
            [Gateway]),
        ["Gateway port"] = (
            [DemoYaml.Workloads, ScopedSubsets, DemoYaml.BackendRouting, DemoYaml.IngressGateway.Replace("number: 8080", "number: 8081", StringComparison.Ordinal), OtherNamespace],
            [new("Gateway", "default", "frontend-gateway")],
            [Gateway]),
        ["DestinationRule exported to its own namespace"] = (
            [DemoYaml.Workloads, ScopedSubsets.Replace("ROUND_ROBIN", "RANDOM", StringComparison.Ordinal), DemoYaml.BackendRouting, DemoYaml.IngressGateway, OtherNamespace],
            [new("DestinationRule", "default", "backend")],
            [Frontend, BackendV2, Gateway]),
        ["DestinationRule with a workloadSelector reaches only the workloads it selects"] = (
            [.. Base, """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: { name: backend-from-frontend, namespace: default }
                spec:
                  host: backend
                  workloadSelector: { matchLabels: { app: frontend } }
                  trafficPolicy: { connectionPool: { tcp: { connectTimeout: 3s } } }
                """],
            [new("DestinationRule", "default", "backend-from-frontend")],
            [Frontend]),
        ["a kind this mesh does not implement reaches no proxy"] = (
            [.. Base, """
                apiVersion: networking.istio.io/v1alpha3
                kind: EnvoyFilter
                metadata: { name: lua, namespace: istio-system }
                spec: { configPatches: [] }
                """],
            [new("EnvoyFilter", "istio-system", "lua")],
            []),
        ["a ProxyConfig reaches no proxy: the injector reads it"] = (
            [.. Base, """
                apiVersion: networking.istio.io/v1beta1
                kind: ProxyConfig
                metadata: { name: mesh-workers, namespace: istio-system }
                spec: { concurrency: 2, environmentVariables: { OTEL_SERVICE_NAME: mesh } }
                """],
            [new("ProxyConfig", "istio-system", "mesh-workers")],
            []),
        ["Telemetry of the root namespace reaches every proxy"] = (
            [.. Base, """
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: { name: mesh-default, namespace: istio-system }
                spec: { accessLogging: [{ providers: [{ name: envoy }] }] }
                """],
            [new("Telemetry", "istio-system", "mesh-default")],
            [Frontend, BackendV2, Reports, Gateway]),
        ["Telemetry of a namespace reaches the proxies of that namespace"] = (
            [.. Base, """
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: { name: reports-tracing, namespace: other }
                spec: { tracing: [{ randomSamplingPercentage: 50 }] }
                """],
            [new("Telemetry", "other", "reports-tracing")],
            [Reports]),
        ["ServiceEntry another namespace keeps to itself"] = (
            [.. Base, """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: { name: ledger, namespace: other }
                spec:
                  hosts: [ledger.other.svc.cluster.local]
                  exportTo: [.]
                  location: MESH_INTERNAL
                  ports: [{ number: 8080, name: http, protocol: HTTP }]
                  resolution: STATIC
                  endpoints: [{ address: 127.0.0.10 }]
                """],
            [new("ServiceEntry", "other", "ledger")],
            [Reports]),
        // A delegate reaches proxies only through the roots naming it, gateway roots included.
        ["delegate VirtualService"] = (
            [.. Base, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: { name: frontend-routes, namespace: default }
                spec:
                  http:
                  - route: [{ destination: { host: frontend } }]
                """],
            [new("VirtualService", "default", "frontend-routes")],
            [Frontend, BackendV2, Reports, Gateway]),
        ["PeerAuthentication mesh-wide"] = (
            [.. Base, """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: { name: default, namespace: istio-system }
                spec: { mtls: { mode: STRICT } }
                """],
            [new("PeerAuthentication", "istio-system", "default")],
            [Frontend, BackendV2, Reports, Gateway]),
        ["RequestAuthentication selecting the backend"] = (
            [.. Base, """
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata: { name: backend-jwt, namespace: default }
                spec:
                  selector: { matchLabels: { app: backend } }
                  jwtRules: [{ issuer: https://issuer.example.com, jwks: '{"keys":[]}' }]
                """],
            [new("RequestAuthentication", "default", "backend-jwt")],
            [BackendV2]),
        ["RequestAuthentication mesh-wide"] = (
            [.. Base, """
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata: { name: end-users, namespace: istio-system }
                spec:
                  jwtRules: [{ issuer: https://issuer.example.com, jwks: '{"keys":[]}' }]
                """],
            [new("RequestAuthentication", "istio-system", "end-users")],
            [Frontend, BackendV2, Reports, Gateway]),
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public void NeedsPush_Edit_PushesExactlyTheProxiesItCanAffect(string edit)
    {
        var (after, keys, pushed) = EditCases[edit];
        var before = Simulation.Load(Base);
        var next = Simulation.Load(after);
        var request = PushRequest.ForConfigs(new HashSet<ConfigKey>(keys), DateTimeOffset.UnixEpoch);

        foreach (var node in (Node[])[Frontend, BackendV2, Reports, Gateway])
        {
            var needsPush = ProxyDependencies.NeedsPush(node, before, next, request);
            Assert.True(needsPush == pushed.Contains(node), $"{edit}: {node.Id} {(needsPush ? "pushed" : "skipped")}, expected the opposite");
            if (!needsPush)
            {
                // Skipping is only allowed when it hides nothing.
                Assert.True(Generated(node, before) == Generated(node, next), $"{edit}: {node.Id} was skipped but its configuration changed");
            }
        }
    }

    [Fact]
    public void NeedsPush_RuleOfItsOwnServiceItsSidecarDoesNotImport_PushesTheServerForItsInboundSide()
    {
        var egressElsewhere = """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: backend, namespace: default }
            spec:
              workloadSelector: { labels: { app: backend } }
              egress: [{ hosts: [other/*] }]
            """;
        var pooled = ScopedSubsets.Replace("{ simple: ROUND_ROBIN }", "{ simple: ROUND_ROBIN }, connectionPool: { tcp: { maxConnections: 7 } }", StringComparison.Ordinal);
        var before = Simulation.Load([.. Base, egressElsewhere]);
        var next = Simulation.Load([DemoYaml.Workloads, pooled, DemoYaml.BackendRouting, DemoYaml.IngressGateway, OtherNamespace, egressElsewhere]);
        var request = PushRequest.ForConfigs(new HashSet<ConfigKey> { new("DestinationRule", "default", "backend") }, DateTimeOffset.UnixEpoch);

        Assert.NotEqual(Generated(BackendV2, before), Generated(BackendV2, next));
        Assert.True(ProxyDependencies.NeedsPush(BackendV2, before, next, request));
        Assert.False(ProxyDependencies.NeedsPush(Reports, before, next, request));
    }

    [Fact]
    public void NeedsPush_SecretARulesCredentialNameNames_PushesTheGatewaysOfItsNamespace()
    {
        var snapshot = Simulation.Load([.. Base, """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: frontend-tls, namespace: default }
            spec:
              host: frontend
              trafficPolicy: { tls: { mode: MUTUAL, credentialName: frontend-client } }
            """]);

        bool Pushes(Node node, string secret) => ProxyDependencies.NeedsPush(node, snapshot, snapshot,
            PushRequest.ForConfigs(new HashSet<ConfigKey> { new(TlsCredentialModel.SecretKind, "default", secret) }, DateTimeOffset.UnixEpoch));

        Assert.True(Pushes(Gateway, "frontend-client"));
        Assert.True(Pushes(Gateway, "frontend-client-cacert"));
        Assert.False(Pushes(Gateway, "unrelated"));
        // Sidecars read a client credentialName only from rules with a workloadSelector.
        Assert.False(Pushes(Frontend, "frontend-client"));
        Assert.False(Pushes(Reports, "frontend-client"));
    }

    [Fact]
    public void NeedsPush_TracingProvidersChanged_PushesTheListenersOfTheProxiesWhoseTelemetryNamesOne()
    {
        var resources = Simulation.LoadResources([.. Base, """
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: reports-jaeger, namespace: other }
            spec: { tracing: [{ providers: [{ name: jaeger }] }] }
            """]);
        MeshSnapshot With(string endpoint) => MeshSnapshotBuilder.Build(1, resources, mesh: MeshSettings.Default with
        {
            TracingProviders = new TracingProviderTable(new Dictionary<string, TracingProvider> { ["jaeger"] = new("opentelemetry", endpoint) }),
        });
        var before = With("http://jaeger:4317");
        var next = With("http://jaeger.observability:4317");
        var request = PushRequest.ForConfigs(new HashSet<ConfigKey> { MeshSettings.TracingProvidersKey }, DateTimeOffset.UnixEpoch);

        foreach (var node in (Node[])[Frontend, BackendV2, Gateway])
        {
            Assert.False(ProxyDependencies.NeedsPush(node, before, next, request));
            Assert.Equal(Generated(node, before), Generated(node, next));
        }
        Assert.True(ProxyDependencies.NeedsPush(Reports, before, next, request));
        Assert.NotEqual(Generated(Reports, before), Generated(Reports, next));
        Assert.Equal(ResourceTypes.Listeners, ProxyDependencies.TypesAffected(Reports, before, next, request));
    }

    [Fact]
    public void NeedsPush_FullRequest_PushesEveryone()
    {
        var snapshot = Simulation.Load(Base);
        var request = PushRequest.Full(PushReasons.Global, DateTimeOffset.UnixEpoch);

        Assert.All((Node[])[Frontend, BackendV2, Reports, Gateway], node => Assert.True(ProxyDependencies.NeedsPush(node, snapshot, snapshot, request)));
    }

    [Fact]
    public void NeedsPush_ResourceRemoved_JudgedByWhatItWas()
    {
        var before = Simulation.Load(Base);
        var next = Simulation.Load(DemoYaml.Workloads, ScopedSubsets, DemoYaml.IngressGateway, OtherNamespace);
        var request = PushRequest.ForConfigs(new HashSet<ConfigKey> { new("VirtualService", "default", "backend") }, DateTimeOffset.UnixEpoch);

        Assert.True(ProxyDependencies.NeedsPush(Frontend, before, next, request));
        Assert.False(ProxyDependencies.NeedsPush(Gateway, before, next, request));
    }

    /// <summary>All four types of a proxy's configuration as bytes, for comparison.</summary>
    private static string Generated(Node node, MeshSnapshot snapshot)
    {
        var resources = ProxyConfigGenerator.Generate(node, snapshot);
        var text = new System.Text.StringBuilder();
        foreach (var typeUrl in TypeUrls.PushOrder)
        {
            foreach (var resource in resources.OfType(typeUrl)) text.Append(Convert.ToBase64String(resource.ToByteArray())).Append('\n');
        }
        return text.ToString();
    }
}
