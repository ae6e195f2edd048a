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
        var before = Load(DemoYaml.Workloads, DemoYaml.BackendSubsets, FrontendRoutes, BackendRoutes("5s"));
        var after = Replace(before, "backend", BackendRoutes("7s"));
        var first = MeshSnapshotBuilder.Build(1, before);
        var firstRoutes = ProxyConfigGenerator.Generate(Frontend, first).Routes;

        var second = MeshSnapshotBuilder.Build(2, after);
        RouteTranslationMemo.Carry(first, second);
        var secondRoutes = ProxyConfigGenerator.Generate(Frontend, second).Routes;

        Assert.Equal(ProxyConfigGenerator.Generate(Frontend, MeshSnapshotBuilder.Build(2, after)).Routes, secondRoutes);
        Assert.Same(FirstRoute(firstRoutes, "frontend.default.svc.cluster.local:80"), FirstRoute(secondRoutes, "frontend.default.svc.cluster.local:80"));
        Assert.Equal(5000u, FirstRoute(firstRoutes, "backend.default.svc.cluster.local:9080").Route_.TimeoutMs);
        Assert.Equal(7000u, FirstRoute(secondRoutes, "backend.default.svc.cluster.local:9080").Route_.TimeoutMs);
    }

    [Fact]
    public void Carry_ServiceAdded_NothingCarried()
    {
        var before = Load(DemoYaml.Workloads, DemoYaml.BackendSubsets, FrontendRoutes, BackendRoutes("5s"));
        var after = before.Concat(Load("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: extra, namespace: other }
            spec:
              hosts: [extra.other.svc.cluster.local]
              ports: [{ number: 80, name: http, protocol: HTTP }]
              resolution: DNS
            """)).ToList();
        var first = MeshSnapshotBuilder.Build(1, before);
        var firstRoutes = ProxyConfigGenerator.Generate(Frontend, first).Routes;

        var second = MeshSnapshotBuilder.Build(2, after);
        RouteTranslationMemo.Carry(first, second);
        var secondRoutes = ProxyConfigGenerator.Generate(Frontend, second).Routes;

        Assert.Equal(ProxyConfigGenerator.Generate(Frontend, MeshSnapshotBuilder.Build(2, after)).Routes, secondRoutes);
        Assert.NotSame(FirstRoute(firstRoutes, "frontend.default.svc.cluster.local:80"), FirstRoute(secondRoutes, "frontend.default.svc.cluster.local:80"));
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
        var before = Load(DemoYaml.Workloads, DemoYaml.BackendSubsets, Root, Delegate("5s"));
        var after = Replace(before, "backend-api", Delegate("9s"));
        var first = MeshSnapshotBuilder.Build(1, before);
        Assert.Equal(5000u, FirstRoute(ProxyConfigGenerator.Generate(Frontend, first).Routes, "backend.default.svc.cluster.local:9080").Route_.TimeoutMs);

        var second = MeshSnapshotBuilder.Build(2, after);
        RouteTranslationMemo.Carry(first, second);

        Assert.Equal(9000u, FirstRoute(ProxyConfigGenerator.Generate(Frontend, second).Routes, "backend.default.svc.cluster.local:9080").Route_.TimeoutMs);
    }

    private static List<IstioResource> Load(params string[] yaml)
    {
        var result = IstioConfigLoader.LoadText(string.Join("\n---\n", yaml), "test.yaml");
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        return [.. result.Resources];
    }

    /// <summary>The resources with one VirtualService's file edited: a new instance for it, the others as they were.</summary>
    private static List<IstioResource> Replace(List<IstioResource> resources, string virtualService, string yaml)
    {
        var edited = Assert.Single(Load(yaml));
        return [.. resources.Select(r => r is VirtualService { Metadata.Name: var name } && name == virtualService ? edited : r)];
    }

    private static Route FirstRoute(IReadOnlyList<RouteConfiguration> routes, string virtualHost) =>
        routes.SelectMany(r => r.VirtualHosts).Single(v => v.Name == virtualHost).Routes[0];
}
