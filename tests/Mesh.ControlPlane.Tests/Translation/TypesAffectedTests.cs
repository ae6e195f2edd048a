using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;
using static Mesh.ControlPlane.Tests.Translation.SidecarScopeYaml;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// A push regenerates only the types a change can affect: generating some types gives exactly what a full generation
/// gives for them, and the types a VirtualService edit is said not to affect are checked to be unchanged.
/// </summary>
public sealed class TypesAffectedTests
{
    private static readonly string WebScoped = Sidecar("web", "shop", "\"./*\"", selector: "app: web");

    private static readonly Node Web = TestNodes.Sidecar("web-1", "shop");
    private static readonly Node Worker = TestNodes.Sidecar("worker-1", "shop");

    // cart's routes, first to itself, then to metrics (ops): a destination web's Sidecar imports only through the VirtualService.
    private static string CartRoutes(string host, string timeout) => $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: cart, namespace: shop }
        spec:
          hosts: [cart.shop.svc.cluster.local]
          http: [{ timeout: {{timeout}}, route: [{ destination: { host: {{host}} } }] }]
        """;

    private static readonly PushRequest CartEdited =
        PushRequest.ForConfigs(new HashSet<ConfigKey> { new("VirtualService", "shop", "cart") }, DateTimeOffset.UnixEpoch);

    private static Node CapturedWorker()
    {
        var node = TestNodes.Sidecar("worker-1", "shop");
        node.InboundCapturePort = 15006;
        return node;
    }

    public static TheoryData<string> Nodes() => ["web", "worker", "captured worker", "gateway"];

    private static Node NodeNamed(string name) => name switch
    {
        "web" => Web,
        "worker" => Worker,
        "captured worker" => CapturedWorker(),
        _ => TestNodes.Router(ns: "shop"),
    };

    [Theory]
    [MemberData(nameof(Nodes))]
    public void Generate_OneType_ExactlyThatTypeOfAFullGeneration(string name)
    {
        var node = NodeNamed(name);
        var snapshot = Simulation.Load([Namespaces, WebScoped, CartRoutes("cart.shop.svc.cluster.local", "2s")]);
        var full = ProxyConfigGenerator.Generate(node, snapshot);

        for (var type = 0; type < TypeUrls.PushOrder.Count; type++)
        {
            var one = ProxyConfigGenerator.Generate(node, snapshot, (ResourceTypes)(1 << type));
            foreach (var typeUrl in TypeUrls.PushOrder)
            {
                var expected = typeUrl == TypeUrls.PushOrder[type] ? ResourceBytes.Of(full, typeUrl) : [];
                Assert.Equal(expected, ResourceBytes.Of(one, typeUrl));
            }
        }
        Assert.NotEmpty(full.Clusters);
    }

    [Fact]
    public void TypesAffected_HttpRouteEditForAnUnscopedProxy_RoutesAndAGatewaysListenersAndNothingElseChanges()
    {
        var before = Simulation.Load([Namespaces, WebScoped, CartRoutes("cart.shop.svc.cluster.local", "2s")]);
        var after = Simulation.Load([Namespaces, WebScoped, CartRoutes("metrics.ops.svc.cluster.local", "3s")]);

        foreach (var node in (Node[])[Worker, CapturedWorker(), TestNodes.Router(ns: "shop")])
        {
            var sidecar = node.Role == ProxyRole.Sidecar;
            Assert.Equal(sidecar ? ResourceTypes.Routes : ResourceTypes.Listeners | ResourceTypes.Routes, ProxyDependencies.TypesAffected(node, before, after, CartEdited));
            var (was, now) = (ProxyConfigGenerator.Generate(node, before), ProxyConfigGenerator.Generate(node, after));
            Assert.Equal(ResourceBytes.Of(was, TypeUrls.Cluster), ResourceBytes.Of(now, TypeUrls.Cluster));
            Assert.Equal(ResourceBytes.Of(was, TypeUrls.Endpoints), ResourceBytes.Of(now, TypeUrls.Endpoints));
            if (sidecar) Assert.Equal(ResourceBytes.Of(was, TypeUrls.Listener), ResourceBytes.Of(now, TypeUrls.Listener));
        }
        Assert.NotEqual(ResourceBytes.Of(ProxyConfigGenerator.Generate(Worker, before), TypeUrls.Route), ResourceBytes.Of(ProxyConfigGenerator.Generate(Worker, after), TypeUrls.Route));
    }

    [Fact]
    public void TypesAffected_TcpRoutesAddedOrRemoved_ACapturedSidecarsListenersToo()
    {
        static string DatabaseRoutes(string tcp) => $$"""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: cart, namespace: shop }
            spec:
              hosts: [cart.shop.svc.cluster.local, db.shop.svc.cluster.local]
              http: [{ route: [{ destination: { host: cart.shop.svc.cluster.local } }] }]
              tcp: {{tcp}}
            """;
        var http = Simulation.Load([Namespaces, WebScoped, Database, DatabaseRoutes("[]")]);
        var tcp = Simulation.Load([Namespaces, WebScoped, Database, DatabaseRoutes("[{ route: [{ destination: { host: cart.shop.svc.cluster.local, port: { number: 8080 } } }] }]")]);
        var node = CapturedWorker();

        Assert.Equal(ResourceTypes.Listeners | ResourceTypes.Routes, ProxyDependencies.TypesAffected(node, http, tcp, CartEdited));
        Assert.Equal(ResourceTypes.Listeners | ResourceTypes.Routes, ProxyDependencies.TypesAffected(node, tcp, http, CartEdited));
        // Why: the database's hand-off listener now sends its connections where the tcp route says.
        Assert.NotEqual(ResourceBytes.Of(ProxyConfigGenerator.Generate(node, http), TypeUrls.Listener), ResourceBytes.Of(ProxyConfigGenerator.Generate(node, tcp), TypeUrls.Listener));
    }

    [Fact]
    public void TypesAffected_AnHttpOnlyVirtualServiceTakesAHostFromOneWithTcpRoutes_ACapturedSidecarsListenersToo()
    {
        const string ShopTcp = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: shop-tcp, namespace: shop }
            spec:
              hosts: ["*.shop.svc.cluster.local"]
              tcp: [{ route: [{ destination: { host: cart.shop.svc.cluster.local, port: { number: 8080 } } }] }]
            """;
        const string DatabaseHttp = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: db-http, namespace: shop }
            spec:
              hosts: [db.shop.svc.cluster.local]
              http: [{ route: [{ destination: { host: db.shop.svc.cluster.local } }] }]
            """;
        var before = Simulation.Load([Namespaces, WebScoped, Database, ShopTcp]);
        var after = Simulation.Load([Namespaces, WebScoped, Database, ShopTcp, DatabaseHttp]);
        var node = CapturedWorker();
        var added = PushRequest.ForConfigs(new HashSet<ConfigKey> { new("VirtualService", "shop", "db-http") }, DateTimeOffset.UnixEpoch);

        Assert.Equal(ResourceTypes.Listeners | ResourceTypes.Routes, ProxyDependencies.TypesAffected(node, before, after, added));
        // Why: the database's host is db-http's now, which has no tcp routes, so its listener goes to the database again.
        Assert.NotEqual(ResourceBytes.Of(ProxyConfigGenerator.Generate(node, before), TypeUrls.Listener), ResourceBytes.Of(ProxyConfigGenerator.Generate(node, after), TypeUrls.Listener));
    }

    [Fact]
    public void TypesAffected_VirtualServiceEditForAScopedSidecar_EveryTypeForItsDestinationsAreImported()
    {
        var before = Simulation.Load([Namespaces, WebScoped, CartRoutes("cart.shop.svc.cluster.local", "2s")]);
        var after = Simulation.Load([Namespaces, WebScoped, CartRoutes("metrics.ops.svc.cluster.local", "2s")]);

        Assert.Equal(ResourceTypes.All, ProxyDependencies.TypesAffected(Web, before, after, CartEdited));
        // Why: web's Sidecar imports only shop, and metrics (ops) comes with the VirtualService that routes to it.
        Assert.NotEqual(ResourceBytes.Of(ProxyConfigGenerator.Generate(Web, before), TypeUrls.Cluster), ResourceBytes.Of(ProxyConfigGenerator.Generate(Web, after), TypeUrls.Cluster));
    }

    [Fact]
    public void TypesAffected_AnyOtherKindOrAFullPush_EveryType()
    {
        var snapshot = Simulation.Load([Namespaces, WebScoped]);
        var mixed = PushRequest.ForConfigs(
            new HashSet<ConfigKey> { new("VirtualService", "shop", "cart"), new("Sidecar", "shop", "web") }, DateTimeOffset.UnixEpoch);

        Assert.Equal(ResourceTypes.All, ProxyDependencies.TypesAffected(Worker, snapshot, snapshot, mixed));
        Assert.Equal(ResourceTypes.All, ProxyDependencies.TypesAffected(Worker, snapshot, snapshot, PushRequest.Full(PushReasons.Config, DateTimeOffset.UnixEpoch)));
    }
}
