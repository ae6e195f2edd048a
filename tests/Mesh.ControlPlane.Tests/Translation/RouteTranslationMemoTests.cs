using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// Routes carried from one snapshot to the next (<see cref="RouteTranslationMemo"/>): what a sidecar receives must be
/// what a fresh translation of the new snapshot gives, whatever was carried.
/// </summary>
public sealed class RouteTranslationMemoTests
{
    private static readonly Node Frontend = TestNodes.Sidecar("frontend-v1", "default");

    private const string FrontendRoutes = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: frontend, namespace: default }
        spec:
          hosts: [frontend]
          http:
          - route: [{ destination: { host: frontend } }]
            timeout: 3s
        """;

    private static string BackendRoutes(string timeout) => $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: backend, namespace: default }
        spec:
          hosts: [backend]
          http:
          - match: [{ uri: { prefix: /api } }]
            route: [{ destination: { host: backend, subset: v2 } }]
            timeout: {{timeout}}
          - route: [{ destination: { host: backend, subset: v1 } }]
        """;

    [Fact]
    public void Carry_OneVirtualServiceChanged_OthersKeepTheirRoutes_AndTheOutputIsAFreshTranslation()
    {
        var before = IstioYaml.Load(DemoYaml.Workloads, DemoYaml.BackendSubsets, FrontendRoutes, BackendRoutes("5s"));

        var (firstRoutes, secondRoutes) = TranslateCarried(before, IstioYaml.Replace(before, BackendRoutes("7s")));

        Assert.Same(FirstRoute(firstRoutes, "frontend.default.svc.cluster.local:80"), FirstRoute(secondRoutes, "frontend.default.svc.cluster.local:80"));
        Assert.Equal(5000u, FirstRoute(firstRoutes, "backend.default.svc.cluster.local:9080").Route_.TimeoutMs);
        Assert.Equal(7000u, FirstRoute(secondRoutes, "backend.default.svc.cluster.local:9080").Route_.TimeoutMs);
    }

    [Fact]
    public void Carry_DestinationServicesPortChanged_RoutesFollowIt()
    {
        // A destination without a port takes its service's only port: the route must follow that port's change.
        const string FrontendToBackend = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: frontend, namespace: default }
            spec:
              hosts: [frontend]
              http:
              - route: [{ destination: { host: backend } }]
            """;
        var before = IstioYaml.Load(DemoYaml.Workloads, FrontendToBackend);
        var backendOnOtherPort = DemoYaml.Workloads.Split("---")[1].Replace("number: 9080", "number: 9090", StringComparison.Ordinal);

        var (firstRoutes, secondRoutes) = TranslateCarried(before, IstioYaml.Replace(before, backendOnOtherPort));

        Assert.Equal("outbound|9080||backend.default.svc.cluster.local", FirstRoute(firstRoutes, "frontend.default.svc.cluster.local:80").Route_.Clusters[0].Name);
        Assert.Equal("outbound|9090||backend.default.svc.cluster.local", FirstRoute(secondRoutes, "frontend.default.svc.cluster.local:80").Route_.Clusters[0].Name);
    }

    [Fact]
    public void Carry_DelegateChanged_TheRootsRoutesAreTranslatedAgain()
    {
        const string Root = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: backend, namespace: default }
            spec:
              hosts: [backend]
              http:
              - match: [{ uri: { prefix: /api } }]
                delegate: { name: backend-api, namespace: default }
              - route: [{ destination: { host: backend, subset: v1 } }]
            """;
        static string Delegate(string timeout) => $$"""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: backend-api, namespace: default }
            spec:
              http:
              - route: [{ destination: { host: backend, subset: v2 } }]
                timeout: {{timeout}}
            """;
        var before = IstioYaml.Load(DemoYaml.Workloads, DemoYaml.BackendSubsets, Root, Delegate("5s"));

        var (firstRoutes, secondRoutes) = TranslateCarried(before, IstioYaml.Replace(before, Delegate("9s")));

        Assert.Equal(5000u, FirstRoute(firstRoutes, "backend.default.svc.cluster.local:9080").Route_.TimeoutMs);
        Assert.Equal(9000u, FirstRoute(secondRoutes, "backend.default.svc.cluster.local:9080").Route_.TimeoutMs);
    }

    private static string Cart(string address) => $$"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: cart, namespace: shop }
        spec:
          hosts: [cart.shop.svc.cluster.local]
          addresses: [{{address}}]
          location: MESH_INTERNAL
          ports: [{ number: 80, name: http, protocol: HTTP }]
          resolution: STATIC
          endpoints: [{ address: 10.0.0.9 }]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: cart, namespace: shop }
        spec:
          hosts: [cart.shop.svc.cluster.local]
          http:
          - route: [{ destination: { host: cart.shop.svc.cluster.local } }]
            timeout: 2s
        """;

    [Fact]
    public void Carry_OneNamespacesRoutesChanged_TheOtherPartsAreTakenOverWithTheirPacking()
    {
        var before = IstioYaml.Load(DemoYaml.Workloads, DemoYaml.BackendSubsets, FrontendRoutes, BackendRoutes("5s"), Cart("10.96.0.10"));

        var (_, firstRoutes, _, secondRoutes) = TranslateCarriedSnapshots(before, IstioYaml.Replace(before, BackendRoutes("7s")), Frontend);

        // The same instance, whose packing is kept on it: the second snapshot does not pack it again.
        var (shopBefore, shopAfter) = (Part(firstRoutes, "outbound/shop"), Part(secondRoutes, "outbound/shop"));
        Assert.Same(shopBefore, shopAfter);
        Assert.NotNull(SharedTranslation.PackedOf(shopAfter));
        Assert.NotSame(Part(firstRoutes, "outbound/default"), Part(secondRoutes, "outbound/default"));
        Assert.NotSame(SharedTranslation.PackedOf(Part(firstRoutes, "outbound/default")),
            SharedTranslation.PackedOf(Part(secondRoutes, "outbound/default")));
    }

    [Fact]
    public void Carry_CapturedSidecar_ServiceAddressChanged_ItsPartIsBuiltAgainWithTheCarriedRoutes()
    {
        // The address is not among what routes read, so they are carried; a captured sidecar's domains hold it, so the part changes.
        var captured = TestNodes.Sidecar("frontend-v1");
        captured.InboundCapturePort = 15006;
        var before = IstioYaml.Load(DemoYaml.Workloads, Cart("10.96.0.10"));

        var (_, firstRoutes, _, secondRoutes) = TranslateCarriedSnapshots(before, IstioYaml.Replace(before, Cart("10.96.0.11").Split("---")[0]), captured);

        var (cartBefore, cartAfter) = (VirtualHost(firstRoutes, "cart.shop.svc.cluster.local:80"), VirtualHost(secondRoutes, "cart.shop.svc.cluster.local:80"));
        Assert.Same(cartBefore.Routes[0], cartAfter.Routes[0]);
        Assert.Contains("10.96.0.10:80", cartBefore.Domains);
        Assert.Contains("10.96.0.11:80", cartAfter.Domains);
        Assert.DoesNotContain("10.96.0.10:80", cartAfter.Domains);
    }

    [Fact]
    public void Carry_OneNamespacesVirtualServiceChanged_TheOthersAreCarriedUnwalked()
    {
        var before = IstioYaml.Load(DemoYaml.Workloads, DemoYaml.BackendSubsets, FrontendRoutes, BackendRoutes("5s"), Cart("10.96.0.10"));

        var (first, firstRoutes, second, secondRoutes) = TranslateCarriedSnapshots(before, IstioYaml.Replace(before, BackendRoutes("7s")), Frontend);

        Assert.Equal(["shop"], RouteTranslationMemo.UnchangedNamespaces(first, second)!);
        var inputs = OutboundRouteInputs.Of(new ProxyContext(Frontend, second), SharedTranslation.For(second));
        Assert.Same(Part(firstRoutes, "outbound/shop"), Assert.Single(RouteTranslationMemo.For(second).CarriedNamespace("shop", inputs)!));
        Assert.Null(RouteTranslationMemo.For(second).CarriedNamespace("default", inputs));
        Assert.Same(Part(firstRoutes, "outbound/shop"), Part(secondRoutes, "outbound/shop"));

        // And on to the next snapshot: what was carried is carried again.
        var third = MeshSnapshotBuilder.Build(3, IstioYaml.Replace(before, BackendRoutes("9s")));
        RouteTranslationMemo.Carry(second, third);
        var thirdInputs = OutboundRouteInputs.Of(new ProxyContext(Frontend, third), SharedTranslation.For(third));
        Assert.Same(Part(firstRoutes, "outbound/shop"), Assert.Single(RouteTranslationMemo.For(third).CarriedNamespace("shop", thirdInputs)!));
    }

    public static TheoryData<string> NamespaceChanges() => [.. NamespaceCases.Keys];

    // Beside cart, a service of shop that no VirtualService names.
    private const string Orders = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: orders, namespace: shop }
        spec:
          hosts: [orders.shop.svc.cluster.local]
          location: MESH_INTERNAL
          ports: [{ number: 80, name: http, protocol: HTTP }]
          resolution: STATIC
          endpoints: [{ address: 10.0.0.10 }]
        """;

    // Each change to the demo with cart and orders (shop), as a source gives it; shop's part must follow it.
    private static readonly Dictionary<string, Func<List<IstioResource>, List<IstioResource>>> NamespaceCases = new()
    {
        ["cart's VirtualService removed"] = resources => [.. resources.Where(r => !(r.Kind == VirtualService.KindName && r.Metadata.Name == "cart"))],
        ["a wildcard VirtualService over shop added in another namespace"] = resources => [.. resources, .. IstioYaml.Load("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: shop-wide, namespace: default }
            spec:
              hosts: ["*.shop.svc.cluster.local"]
              http: [{ route: [{ destination: { host: backend.default.svc.cluster.local } }], timeout: 9s }]
            """)],
        ["cart's VirtualService edited"] = resources => IstioYaml.Replace(resources, Cart("10.96.0.10").Split("---")[1].Replace("2s", "4s", StringComparison.Ordinal)),
    };

    [Theory]
    [MemberData(nameof(NamespaceChanges))]
    public void Carry_AVirtualServiceNamingANamespacesHostChanged_ThatNamespaceIsWalkedAgain(string change)
    {
        var captured = TestNodes.Sidecar("frontend-v1");
        captured.InboundCapturePort = 15006;
        var before = IstioYaml.Load(DemoYaml.Workloads, DemoYaml.BackendSubsets, FrontendRoutes, BackendRoutes("5s"), Cart("10.96.0.10"), Orders);

        foreach (var node in (Node[])[Frontend, captured])
        {
            var (first, firstRoutes, second, secondRoutes) = TranslateCarriedSnapshots(before, NamespaceCases[change](before), node);

            Assert.DoesNotContain("shop", RouteTranslationMemo.UnchangedNamespaces(first, second)!);
            Assert.NotEqual(Part(firstRoutes, "outbound/shop"), Part(secondRoutes, "outbound/shop"));
        }
    }

    [Fact]
    public void Carry_CapturedSidecar_AnAddressClaimedInACarriedNamespace_StaysItsOwn()
    {
        // shop's cart and zeta's till share an address: cart, first, answers to it, also when shop is carried unwalked.
        var captured = TestNodes.Sidecar("frontend-v1");
        captured.InboundCapturePort = 15006;
        static string Till(string timeout) => Cart("10.96.0.10").Replace("cart", "till", StringComparison.Ordinal).Replace("shop", "zeta", StringComparison.Ordinal)
            .Replace("10.0.0.9", "10.0.0.11", StringComparison.Ordinal).Replace("2s", timeout, StringComparison.Ordinal);
        var before = IstioYaml.Load(DemoYaml.Workloads, Cart("10.96.0.10"), Till("2s"));

        var (first, _, second, secondRoutes) = TranslateCarriedSnapshots(before, IstioYaml.Replace(before, Till("3s").Split("---")[1]), captured);

        Assert.Contains("shop", RouteTranslationMemo.UnchangedNamespaces(first, second)!);
        Assert.Contains("10.96.0.10:80", VirtualHost(secondRoutes, "cart.shop.svc.cluster.local:80").Domains);
        Assert.DoesNotContain("10.96.0.10:80", VirtualHost(secondRoutes, "till.zeta.svc.cluster.local:80").Domains);
    }

    [Fact]
    public void Carry_AServiceChanged_NoNamespaceIsCarriedUnwalked()
    {
        var before = IstioYaml.Load(DemoYaml.Workloads, Cart("10.96.0.10"));
        var after = IstioYaml.Replace(before, Cart("10.96.0.11").Split("---")[0]);

        Assert.Null(RouteTranslationMemo.UnchangedNamespaces(MeshSnapshotBuilder.Build(1, before), MeshSnapshotBuilder.Build(2, after)));
    }

    [Fact]
    public void Carry_ASidecarScopesOneProxyOfTheNamespace_EachKeepsItsOwnRoutes()
    {
        // web imports one of shop's services; worker, of the same namespace and labels key, all: neither takes the other's parts.
        var web = TestNodes.Sidecar("web-1", "shop");
        var worker = TestNodes.Sidecar("worker-1", "shop");
        var before = IstioYaml.Load([SidecarScopeYaml.Namespaces, SidecarScopeYaml.Sidecar("web", "shop", "./cart.shop.svc.cluster.local", selector: "app: web"), BackendRoutes("5s")]);
        var after = IstioYaml.Replace(before, BackendRoutes("7s"));

        foreach (var order in (Node[][])[[web, worker], [worker, web]])
        {
            var first = MeshSnapshotBuilder.Build(1, before);
            foreach (var node in order) ProxyConfigGenerator.Generate(node, first);
            var second = MeshSnapshotBuilder.Build(2, after);
            RouteTranslationMemo.Carry(first, second);
            foreach (var node in order)
            {
                Assert.Equal(ProxyConfigGenerator.Generate(node, MeshSnapshotBuilder.Build(2, after)).Routes, ProxyConfigGenerator.Generate(node, second).Routes);
            }
        }
    }

    /// <summary>
    /// The frontend sidecar's routes from a snapshot of <paramref name="before"/>, then from one of
    /// <paramref name="after"/> that carried what the first translated; the second must equal a fresh translation.
    /// </summary>
    private static (IReadOnlyList<RouteConfiguration> First, IReadOnlyList<RouteConfiguration> Second) TranslateCarried(
        List<IstioResource> before, List<IstioResource> after)
    {
        var (_, firstRoutes, _, secondRoutes) = TranslateCarriedSnapshots(before, after, Frontend);
        return (firstRoutes, secondRoutes);
    }

    private static (MeshSnapshot First, IReadOnlyList<RouteConfiguration> FirstRoutes, MeshSnapshot Second, IReadOnlyList<RouteConfiguration> SecondRoutes)
        TranslateCarriedSnapshots(List<IstioResource> before, List<IstioResource> after, Node node)
    {
        var first = MeshSnapshotBuilder.Build(1, before);
        var firstRoutes = ProxyConfigGenerator.Generate(node, first).Routes;
        var second = MeshSnapshotBuilder.Build(2, after);
        RouteTranslationMemo.Carry(first, second);
        var secondRoutes = ProxyConfigGenerator.Generate(node, second).Routes;
        Assert.Equal(ProxyConfigGenerator.Generate(node, MeshSnapshotBuilder.Build(2, after)).Routes, secondRoutes);
        return (first, firstRoutes, second, secondRoutes);
    }

    private static RouteConfiguration Part(IReadOnlyList<RouteConfiguration> routes, string name) => Assert.Single(routes, r => r.Name == name);

    private static VirtualHost VirtualHost(IReadOnlyList<RouteConfiguration> routes, string name) =>
        routes.SelectMany(r => r.VirtualHosts).Single(v => v.Name == name);

    private static Route FirstRoute(IReadOnlyList<RouteConfiguration> routes, string virtualHost) =>
        routes.SelectMany(r => r.VirtualHosts).Single(v => v.Name == virtualHost).Routes[0];
}
