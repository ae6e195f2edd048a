using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using static Mesh.ControlPlane.Tests.Translation.SidecarScopeYaml;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// Proxies share a translated resource only when its key holds every input that shapes it: what a proxy receives from
/// a snapshot other proxies already drew on is byte for byte what it receives from a fresh one, for proxies that
/// differ in each input the keys name (namespace, Sidecar scope, capture, locality, labels that sourceLabels match or
/// failoverPriority reads).
/// </summary>
public sealed class SharedTranslationTests
{
    private static readonly string WebScoped = Sidecar("web", "shop", "\"./*\", \"ops/*\"", selector: "app: web");

    // cart's routes: web (sourceLabels) goes to pay, tools (sourceNamespace ops) to metrics, everyone else to cart.
    private const string CartBySource = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: cart, namespace: shop }
        spec:
          hosts: [cart.shop.svc.cluster.local]
          http:
          - match: [{ sourceLabels: { app: web } }]
            route: [{ destination: { host: pay.shop.svc.cluster.local } }]
          - match: [{ sourceNamespace: ops }]
            route: [{ destination: { host: metrics.ops.svc.cluster.local } }]
          - route: [{ destination: { host: cart.shop.svc.cluster.local } }]
        """;

    private const string CartPlain = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: cart, namespace: shop }
        spec:
          hosts: [cart.shop.svc.cluster.local]
          http: [{ timeout: 2s, route: [{ destination: { host: cart.shop.svc.cluster.local } }] }]
        """;

    // cart's failover: endpoints sharing the proxy's app label first, then its zone.
    private const string CartFailover = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: cart, namespace: shop }
        spec:
          host: cart.shop.svc.cluster.local
          trafficPolicy:
            outlierDetection: { consecutive5xxErrors: 3 }
            loadBalancer: { localityLbSetting: { enabled: true, failoverPriority: [app, topology.kubernetes.io/zone] } }
        """;

    // The database's connections: a canary's to cart, everyone else's to the database.
    private const string DatabaseBySource = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: db, namespace: shop }
        spec:
          hosts: [db.shop.svc.cluster.local]
          tcp:
          - match: [{ sourceLabels: { track: canary } }]
            route: [{ destination: { host: cart.shop.svc.cluster.local, port: { number: 8080 } } }]
          - route: [{ destination: { host: db.shop.svc.cluster.local } }]
        """;

    // Tracing for canaries alone: a listener's telemetry differs between proxies that share every other input.
    private const string CanaryTracing = """
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata: { name: canary-tracing, namespace: shop }
        spec:
          selector: { matchLabels: { track: canary } }
          tracing: [{ randomSamplingPercentage: 50 }]
        """;

    public static TheoryData<string> Meshes() => ["sourceLabels", "plain", "failoverPriority", "tcpSourceLabels", "canaryTelemetry"];

    private static string[] Mesh(string name) => name switch
    {
        "sourceLabels" => [Namespaces, WebScoped, CartBySource],
        "failoverPriority" => [Namespaces, WebScoped, CartPlain, CartFailover],
        "tcpSourceLabels" => [Namespaces, WebScoped, CartPlain, Database, DatabaseBySource],
        "canaryTelemetry" => [Namespaces, WebScoped, CartPlain, Database, CanaryTracing],
        _ => [Namespaces, WebScoped, CartPlain, Database],
    };

    private static Node Captured(string name, string? track = null)
    {
        var node = TestNodes.Sidecar(name, "shop");
        node.InboundCapturePort = 15006;
        if (track is not null) node.Labels["track"] = track;
        return node;
    }

    /// <summary>Proxies differing in every input of the key, and some alike (web-1 and web-2: one Deployment's pods).</summary>
    private static Node[] Proxies()
    {
        var capturedWorker = TestNodes.Sidecar("worker-1", "shop");
        capturedWorker.InboundCapturePort = 15006;
        // No WorkloadEntry: the labels it declares are its labels (Sidecar selection and sourceLabels both read them).
        var web2 = TestNodes.Sidecar("web-2", "shop");
        web2.Labels["app"] = "web";
        var webCanary = TestNodes.Sidecar("web-canary", "shop");
        webCanary.Labels["app"] = "web";
        webCanary.Labels["track"] = "canary";
        var east = TestNodes.Sidecar("edge-1", "shop");
        east.Locality = "us/east/a";
        var west = TestNodes.Sidecar("edge-2", "shop");
        west.Locality = "us/west/b";
        return
        [
            TestNodes.Sidecar("web-1", "shop"), web2, webCanary, TestNodes.Sidecar("worker-1", "shop"), capturedWorker,
            TestNodes.Sidecar("tool-1", "ops"), TestNodes.Sidecar("stray-1", "partner"), east, west, TestNodes.Router(ns: "shop"),
            Captured("worker-2"), Captured("worker-canary", track: "canary"),
        ];
    }

    [Theory]
    [MemberData(nameof(Meshes))]
    public void Generate_AfterOtherProxies_SameBytesAsFromAFreshSnapshot(string mesh)
    {
        var proxies = Proxies();
        foreach (var order in (Node[][])[proxies, [.. proxies.Reverse()]])
        {
            var shared = Simulation.Load(Mesh(mesh));
            foreach (var node in order)
            {
                var alone = ProxyConfigGenerator.Generate(node, Simulation.Load(Mesh(mesh)));
                var amongOthers = ProxyConfigGenerator.Generate(node, shared);
                foreach (var typeUrl in TypeUrls.PushOrder)
                {
                    Assert.True(ResourceBytes.Of(alone, typeUrl).SequenceEqual(ResourceBytes.Of(amongOthers, typeUrl)), $"{node.WorkloadName}: {typeUrl} differs when shared");
                }
            }
        }
    }

    [Fact]
    public void Generate_NoRouteReadsLabels_OneDeploymentsPodsAndOtherLabelsShareOnePackedRouteConfigurationAndClusters()
    {
        var snapshot = Simulation.Load(Mesh("plain"));
        var web1 = ProxyConfigGenerator.Generate(TestNodes.Sidecar("web-1", "shop"), snapshot);
        var second = ProxyConfigGenerator.Generate(Proxies()[1], snapshot);
        var canary = ProxyConfigGenerator.Generate(Proxies()[2], snapshot);
        var worker = ProxyConfigGenerator.Generate(TestNodes.Sidecar("worker-1", "shop"), snapshot);

        var outbound = Outbound(web1);
        Assert.Same(outbound, Outbound(second));
        Assert.Same(outbound, Outbound(canary));
        // worker-1 is not scoped by web's Sidecar: another key, another build.
        Assert.NotSame(outbound, Outbound(worker));
        Assert.Same(CartCluster(web1), CartCluster(canary));
        Assert.NotSame(CartCluster(web1), CartCluster(worker));
        // Two keys (web's Sidecar scope, and none), each with its outbound routes and a set of clusters.
        var shared = SharedTranslation.For(snapshot);
        Assert.Equal(4, shared.Count);
        Assert.Same(ResourceVersion.Pack([outbound])[0], ResourceVersion.Pack([Outbound(second)])[0]);
    }

    [Fact]
    public void Generate_SourceLabelsRoute_ProxiesWithOtherLabelsGetTheirOwnRoutes()
    {
        var snapshot = Simulation.Load(Mesh("sourceLabels"));
        var web1 = Outbound(ProxyConfigGenerator.Generate(TestNodes.Sidecar("web-1", "shop"), snapshot));
        var canary = Outbound(ProxyConfigGenerator.Generate(Proxies()[2], snapshot));
        var web2 = Outbound(ProxyConfigGenerator.Generate(Proxies()[1], snapshot));

        // web-1 and web-2 have the same labels: one build. The canary's extra label is a key of its own, with the same routes.
        Assert.Same(web1, web2);
        Assert.NotSame(web1, canary);
        Assert.Equal(web1, canary);
        Assert.Equal("outbound|8080||pay.shop.svc.cluster.local", Assert.Single(CartRoute(web1).Route_.Clusters).Name);
    }

    [Fact]
    public void Generate_CapturedSidecarsWithEqualInputs_ShareTheirHandOffListeners()
    {
        var snapshot = Simulation.Load(Mesh("plain"));
        var worker1 = ProxyConfigGenerator.Generate(Captured("worker-1"), snapshot);
        var worker2 = ProxyConfigGenerator.Generate(Captured("worker-2"), snapshot);
        var canary = ProxyConfigGenerator.Generate(Captured("worker-canary", track: "canary"), snapshot);

        // No route reads labels here: one build for the three, packed once.
        var database = DatabaseListener(worker1);
        Assert.Same(database, DatabaseListener(worker2));
        Assert.Same(database, DatabaseListener(canary));
        Assert.Same(ResourceVersion.Pack([database])[0], ResourceVersion.Pack([DatabaseListener(worker2)])[0]);
        Assert.Equal("outbound|5432||db.shop.svc.cluster.local", Assert.Single(database.TcpClusters).Name);
    }

    [Fact]
    public void Generate_TelemetryForOneOfThem_OnlyItsListenersCarryIt()
    {
        var snapshot = Simulation.Load(Mesh("canaryTelemetry"));
        var canary = ProxyConfigGenerator.Generate(Captured("worker-canary", track: "canary"), snapshot);
        var worker = ProxyConfigGenerator.Generate(Captured("worker-1"), snapshot);

        Assert.NotNull(DatabaseListener(canary).Telemetry);
        Assert.Null(DatabaseListener(worker).Telemetry);
        var canaryWithout = DatabaseListener(canary).Clone();
        canaryWithout.Telemetry = null;
        Assert.Equal(DatabaseListener(worker), canaryWithout);
    }

    [Fact]
    public void Generate_TcpRouteBySourceLabels_ACanaryGetsItsOwnHandOffListener()
    {
        var snapshot = Simulation.Load(Mesh("tcpSourceLabels"));
        var canary = DatabaseListener(ProxyConfigGenerator.Generate(Captured("worker-canary", track: "canary"), snapshot));
        var worker = DatabaseListener(ProxyConfigGenerator.Generate(Captured("worker-1"), snapshot));

        Assert.Equal("outbound|8080||cart.shop.svc.cluster.local", Assert.Single(canary.TcpClusters).Name);
        Assert.Equal("outbound|5432||db.shop.svc.cluster.local", Assert.Single(worker.TcpClusters).Name);
    }

    private static Listener DatabaseListener(ProxyResources resources) => Assert.Single(resources.Listeners, l => l.Name == "240.0.0.5_5432");

    /// <summary>The part of the outbound routes holding shop's virtual hosts (cart's among them).</summary>
    private static RouteConfiguration Outbound(ProxyResources resources) =>
        Assert.Single(resources.Routes, r => r.Name == $"{SidecarOutboundGenerator.RouteConfigName}/shop" && r.PartOf == SidecarOutboundGenerator.RouteConfigName);

    private static Cluster CartCluster(ProxyResources resources) =>
        Assert.Single(resources.Clusters, c => c.Name == "outbound|8080||cart.shop.svc.cluster.local");

    private static Route CartRoute(RouteConfiguration outbound) =>
        Assert.Single(outbound.VirtualHosts, v => v.Name == "cart.shop.svc.cluster.local:8080").Routes[0];
}
