using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;
using static Mesh.ControlPlane.Tests.Translation.SidecarScopeYaml;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// The Sidecar resource's egress hosts and outboundTrafficPolicy, generated and compiled as the proxy does
/// (<see cref="Simulation"/>): which Sidecar applies to a workload, what each host form imports, exportTo together
/// with it, an egress port, VirtualServices and their destinations, and REGISTRY_ONLY per workload.
/// </summary>
public sealed class SidecarScopeTests
{
    private const string Cart = "outbound|8080||cart.shop.svc.cluster.local";
    private const string Pay = "outbound|8080||pay.shop.svc.cluster.local";
    private const string PayGrpc = "outbound|9090||pay.shop.svc.cluster.local";
    private const string Metrics = "outbound|8080||metrics.ops.svc.cluster.local";
    private const string PartnerApi = "outbound|8080||api.partner.svc.cluster.local";
    private const string PartnerPublic = "outbound|8080||public.partner.svc.cluster.local";
    private const string ExampleCom = "outbound|443||api.example.com";
    private const string ExampleOrg = "outbound|443||www.example.org";

    /// <summary>The proxy's service clusters, in name order.</summary>
    private static string[] OutboundClusters(Simulation sim) =>
        [.. sim.Resources.Clusters.Select(c => c.Name).Where(n => n.StartsWith("outbound|", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    private static string[] Sorted(params string[] clusters) => [.. clusters.Order(StringComparer.Ordinal)];

    [Fact]
    public void Generate_NoSidecar_SeesEveryServiceExportedToItsNamespace()
    {
        var sim = Simulation.Sidecar("web-1", "shop", Namespaces);

        Assert.Equal(Sorted(ExampleCom, Cart, PayGrpc, Pay, Metrics, PartnerPublic, ExampleOrg), OutboundClusters(sim));
    }

    [Theory]
    [InlineData("\"*/*\"", new[] { ExampleCom, Cart, PayGrpc, Pay, Metrics, PartnerPublic, ExampleOrg })]
    [InlineData("\"./*\"", new[] { Cart, PayGrpc, Pay })]
    [InlineData("shop/*", new[] { Cart, PayGrpc, Pay })]
    [InlineData("./cart.shop.svc.cluster.local", new[] { Cart })]
    [InlineData("\"*/metrics.ops.svc.cluster.local\"", new[] { Metrics })]
    [InlineData("\"*/*.example.com\"", new[] { ExampleCom })]
    [InlineData("\"egress/*.example.com\", ops/*", new[] { ExampleCom, Metrics })]
    [InlineData("\"~/*\"", new string[0])]
    // exportTo still applies: partner's api is exported to partner alone, so importing partner/* gets public only.
    [InlineData("partner/*", new[] { PartnerPublic })]
    [InlineData("ops/cart.shop.svc.cluster.local", new string[0])]
    public void Generate_EgressHostForm_ImportsExactlyItsServices(string hosts, string[] expected)
    {
        var sim = Simulation.Sidecar("web-1", "shop", Namespaces, Sidecar("default", "shop", hosts));

        Assert.Equal(Sorted(expected), OutboundClusters(sim));
        // Routes follow the clusters: a virtual host for each imported HTTP service port, none for the rest.
        var virtualHosts = sim.RouteConfig("outbound").VirtualHosts.Select(v => v.Name).ToArray();
        Assert.Equal(expected.Contains(Metrics), virtualHosts.Contains("metrics.ops.svc.cluster.local:8080"));
        Assert.Equal(expected.Contains(Cart), sim.Request("cart.shop.svc.cluster.local:8080") is not null);
    }

    [Fact]
    public void Generate_SelectorInNamespace_BeatsTheNamespaceDefault_WhichBeatsTheRootDefault()
    {
        var snapshot = Simulation.Load(Namespaces,
            Sidecar("web-only", "shop", "ops/*", selector: "app: web"),
            Sidecar("default", "shop", "\"./*\""),
            Sidecar("default", "istio-system", "\"./*\", \"partner/*\""));

        Assert.Equal(Sorted(Metrics), OutboundClusters(Simulation.Of(snapshot, TestNodes.Sidecar("web-1", "shop"))));
        Assert.Equal(Sorted(Cart, PayGrpc, Pay), OutboundClusters(Simulation.Of(snapshot, TestNodes.Sidecar("worker-1", "shop"))));
        // The root default's "." is the proxy's own namespace.
        Assert.Equal(Sorted(Metrics, PartnerPublic), OutboundClusters(Simulation.Of(snapshot, TestNodes.Sidecar("tool-1", "ops"))));
        // Sidecars scope sidecars only: a gateway in shop sees everything exported to it.
        Assert.Contains(Metrics, OutboundClusters(Simulation.Of(snapshot, TestNodes.Router("ingress", "shop"))));
    }

    [Fact]
    public void Generate_TwoNamespaceDefaults_TheFirstByNameApplies()
    {
        var sim = Simulation.Sidecar("web-1", "shop", Namespaces, Sidecar("b-default", "shop", "\"./*\""), Sidecar("a-default", "shop", "ops/*"));

        Assert.Equal(Sorted(Metrics), OutboundClusters(sim));
    }

    [Fact]
    public void Generate_SidecarOfAnotherNamespace_DoesNotApply()
    {
        var sim = Simulation.Sidecar("web-1", "shop", Namespaces, Sidecar("default", "ops", "\"./*\""));

        Assert.Contains(Cart, OutboundClusters(sim));
        Assert.Contains(PartnerPublic, OutboundClusters(sim));
    }

    [Fact]
    public void Generate_EgressPort_ImportsThatPortOfItsHosts_TheCatchAllTheRest()
    {
        var sim = Simulation.Sidecar("web-1", "shop", Namespaces, """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: default, namespace: shop }
            spec:
              egress:
              - port: { number: 9090, protocol: GRPC, name: grpc }
                hosts: [shop/*]
              - hosts: [ops/*]
            """);

        Assert.Equal(Sorted(PayGrpc, Metrics), OutboundClusters(sim));
    }

    [Fact]
    public void Generate_CapturedSidecar_HandOffListenersForImportedPortsOnly()
    {
        var sim = Simulation.Of(Simulation.Load(Namespaces, Sidecar("default", "shop", "ops/*")), Captured("web-1", "shop"));
        var listeners = sim.Resources.Listeners.Where(l => l.HandoffOnly).Select(l => l.Name).ToArray();

        // metrics' 8080 is imported; shop's 8080 and pay's 9090 (GRPC) are not: no 0.0.0.0_9090 listener takes them.
        Assert.Equal(["0.0.0.0_8080"], listeners);
        // A request for a service not imported is one for an unknown host: outboundTrafficPolicy's (here ALLOW_ANY).
        Assert.Equal(OutboundFallthrough.AllowAny, sim.Request("pay.shop.svc.cluster.local:8080")!.VirtualHost.Name);
        Assert.Equal(Metrics, sim.Request("metrics.ops.svc.cluster.local:8080")!.Cluster);
    }

    [Fact]
    public void Generate_VirtualServices_ImportedByTheirNamespace_TheirDestinationsWithThem()
    {
        const string routes = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: cart, namespace: shop }
            spec:
              hosts: [cart]
              http:
              - match: [{ uri: { prefix: /pay } }]
                route: [{ destination: { host: pay } }]
              - route: [{ destination: { host: cart } }]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: metrics-canary, namespace: ops }
            spec:
              hosts: [metrics.ops.svc.cluster.local]
              http:
              - route: [{ destination: { host: public.partner.svc.cluster.local } }]
            """;

        var scoped = Simulation.Sidecar("web-1", "shop", Namespaces, routes, Sidecar("default", "shop", "./cart.shop.svc.cluster.local, \"*/metrics.ops.svc.cluster.local\""));

        // cart's VirtualService (shop/cart) is imported, and pay with it, so its /pay route has its cluster.
        Assert.Equal(Pay, scoped.Request("cart.shop.svc.cluster.local:8080", "/pay")!.Cluster);
        // metrics' VirtualService is in ops, imported by "*/metrics...", and its destination with it.
        Assert.Equal(PartnerPublic, scoped.Request("metrics.ops.svc.cluster.local:8080")!.Cluster);
        Assert.Equal(Sorted(Cart, Pay, PayGrpc, Metrics, PartnerPublic), OutboundClusters(scoped));

        var shopOnly = Simulation.Sidecar("web-1", "shop", Namespaces, routes, Sidecar("default", "shop", "\"./*\", \"shop/metrics.ops.svc.cluster.local\""));

        // "shop/metrics..." imports neither the service (declared in ops) nor its VirtualService (in ops).
        Assert.Null(shopOnly.Request("metrics.ops.svc.cluster.local:8080"));
        Assert.DoesNotContain(PartnerPublic, OutboundClusters(shopOnly));
    }

    [Fact]
    public void Generate_VirtualServiceOfAnImportedHostInAnotherNamespace_NotImported_ServiceRoutedByDefault()
    {
        const string overrideInOps = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: cart-override, namespace: ops }
            spec:
              hosts: [cart.shop.svc.cluster.local]
              http:
              - route: [{ destination: { host: metrics.ops.svc.cluster.local } }]
            """;

        Assert.Equal(Metrics, Simulation.Sidecar("web-1", "shop", Namespaces, overrideInOps).Request("cart.shop.svc.cluster.local:8080")!.Cluster);
        Assert.Equal(Cart, Simulation.Sidecar("web-1", "shop", Namespaces, overrideInOps, Sidecar("default", "shop", "\"./*\"")).Request("cart.shop.svc.cluster.local:8080")!.Cluster);
    }

    [Fact]
    public void Generate_OutboundTrafficPolicyPerWorkload_OverridesTheMeshConfig()
    {
        var snapshot = MeshSnapshotBuilder.Build(1, Load(Namespaces, """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: locked, namespace: shop }
            spec:
              workloadSelector: { labels: { app: web } }
              outboundTrafficPolicy: { mode: REGISTRY_ONLY }
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: open, namespace: ops }
            spec:
              outboundTrafficPolicy: { mode: ALLOW_ANY }
            """), mesh: new MeshSettings(OutboundTrafficPolicyMode.RegistryOnly));

        var locked = Simulation.Of(snapshot, Captured("web-1", "shop"));
        var open = Simulation.Of(snapshot, Captured("tool-1", "ops"));
        var meshDefault = Simulation.Of(snapshot, Captured("worker-1", "shop"));

        Assert.Equal(CaptureClusters.BlackHole, Fallthrough(locked));
        Assert.Equal(OutboundFallthrough.BlockAll, locked.Request("unknown.example.net")!.VirtualHost.Name);
        Assert.Equal(CaptureClusters.Passthrough, Fallthrough(open));
        Assert.Equal(OutboundFallthrough.AllowAny, open.Request("unknown.example.net")!.VirtualHost.Name);
        Assert.Equal(CaptureClusters.BlackHole, Fallthrough(meshDefault));
        // A Sidecar with no egress listeners imports everything, as none does.
        Assert.Contains(Cart, OutboundClusters(locked));
    }

    private static string Fallthrough(Simulation sim) =>
        Assert.Single(Assert.Single(sim.Resources.Listeners, l => l.Name == SidecarOutboundGenerator.ListenerName).TcpClusters).Name;

    private static Node Captured(string workload, string ns)
    {
        var node = TestNodes.Sidecar(workload, ns);
        node.InboundCapturePort = 15006;
        return node;
    }

    private static IReadOnlyList<IstioResource> Load(params string[] yaml)
    {
        var result = IstioConfigLoader.LoadText(string.Join("\n---\n", yaml), "test.yaml");
        Assert.Empty(result.Errors);
        return result.Resources;
    }
}
