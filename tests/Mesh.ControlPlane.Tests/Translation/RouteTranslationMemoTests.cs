using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;

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
