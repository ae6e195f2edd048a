using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// A captured sidecar (<c>--inbound-capture-port 15006</c>): the listeners it hands connections to by their original
/// destination, the passthrough clusters, TCP routing, outboundTrafficPolicy and the inbound side per port, generated
/// and compiled by the proxy's own compiler (<see cref="Simulation"/>).
/// </summary>
public sealed class CapturedSidecarTests
{
    private const string Services = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: web, namespace: default }
        spec:
          hosts: [web.default.svc.cluster.local]
          addresses: [10.96.0.10]
          location: MESH_INTERNAL
          ports:
          - { number: 80, name: http, protocol: HTTP }
          - { number: 8080, name: sniffed }
          resolution: STATIC
          workloadSelector: { labels: { app: web } }
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: db, namespace: default }
        spec:
          hosts: [db.default.svc.cluster.local]
          addresses: [10.96.0.20, 10.96.0.21/32, 10.97.0.0/16]
          location: MESH_INTERNAL
          ports: [{ number: 5432, name: tcp-postgres, protocol: TCP }]
          resolution: STATIC
          workloadSelector: { labels: { app: db } }
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: cache, namespace: default }
        spec:
          hosts: [cache.default.svc.cluster.local]
          location: MESH_INTERNAL
          ports: [{ number: 6379, name: redis, protocol: REDIS }]
          resolution: STATIC
          workloadSelector: { labels: { app: cache } }
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: web-1, namespace: default }
        spec:
          address: 10.0.0.5
          labels: { app: web }
          serviceAccount: web
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: db-1, namespace: default }
        spec:
          address: 10.0.0.6
          ports: { metrics: 9100 }
          labels: { app: db, version: v1 }
          serviceAccount: db
        """;

    private static Node Captured(string workload, IReadOnlyDictionary<string, string>? labels = null)
    {
        var node = TestNodes.Sidecar(workload);
        node.InboundCapturePort = 15006;
        node.BindAddress = "10.0.0.5";
        node.AppAddress = "127.0.0.1:80";
        foreach (var (key, value) in labels ?? new Dictionary<string, string>()) node.Labels[key] = value;
        return node;
    }

    private static Simulation Sidecar(Node node, MeshSettings? mesh = null, params string[] yaml)
    {
        var loaded = IstioConfigLoader.LoadText(string.Join("\n---\n", [Services, .. yaml]), "test.yaml");
        Assert.True(loaded.Errors.Count == 0, string.Join("\n", loaded.Errors));
        return Simulation.Of(MeshSnapshotBuilder.Build(1, loaded.Resources, mesh: mesh), node);
    }

    private static Listener Listener(Simulation sim, string name) => Assert.Single(sim.Resources.Listeners, l => l.Name == name);

    private static IEnumerable<(string, uint)> Split(Listener listener) => listener.TcpClusters.Select(c => (c.Name, c.Weight));

    [Fact]
    public void Generate_CapturedSidecar_GetsTheCaptureListenersAndTheirHandOffs()
    {
        var sim = Sidecar(Captured("web-1"));

        Assert.Equal(
            ["0.0.0.0_80", "0.0.0.0_8080", "10.96.0.20_5432", "10.96.0.21_5432", "virtualInbound", "virtualInbound_80", "virtualInbound_8080", "virtualOutbound"],
            sim.Resources.Listeners.Select(l => l.Name));

        var outbound = Listener(sim, "virtualOutbound");
        Assert.Equal(("0.0.0.0", 15001u), (outbound.Address, outbound.Port));
        Assert.True(outbound.UseOriginalDst);
        Assert.False(outbound.HandoffOnly);
        Assert.Equal(ListenerProtocol.Tcp, outbound.Protocol);
        Assert.Equal("outbound", outbound.RouteConfigName);
        Assert.Equal([("PassthroughCluster", 100u)], Split(outbound));

        var inbound = Listener(sim, "virtualInbound");
        Assert.Equal(("0.0.0.0", 15006u, TrafficDirection.Inbound), (inbound.Address, inbound.Port, inbound.Direction));
        Assert.True(inbound.UseOriginalDst);
        Assert.Equal(ListenerProtocol.Auto, inbound.Protocol);
        Assert.Equal([("InboundPassthroughCluster", 100u)], Split(inbound));
        Assert.Equal(InboundTlsMode.Permissive, inbound.TlsMode);
        Assert.Equal("InboundPassthroughCluster", Assert.Single(Assert.Single(sim.RouteConfig("virtualInbound").VirtualHosts).Routes).Route_.Clusters[0].Name);
    }

    [Fact]
    public void Generate_ServicePorts_HttpAndSniffedOnTheWildcardTcpPerAddress()
    {
        var sim = Sidecar(Captured("web-1"));

        var http = Listener(sim, "0.0.0.0_80");
        Assert.Equal(("0.0.0.0", 80u, ListenerProtocol.Http, "outbound"), (http.Address, http.Port, http.Protocol, http.RouteConfigName));
        Assert.True(http.HandoffOnly);
        Assert.False(http.UseOriginalDst);
        Assert.Empty(http.TcpClusters);

        var sniffed = Listener(sim, "0.0.0.0_8080");
        Assert.Equal((ListenerProtocol.Auto, "outbound"), (sniffed.Protocol, sniffed.RouteConfigName));
        Assert.Equal([("outbound|8080||web.default.svc.cluster.local", 100u)], Split(sniffed));

        // One listener per single address; the /16 range is no listener address, and redis (no address) gets none.
        var tcp = Listener(sim, "10.96.0.20_5432");
        Assert.Equal(("10.96.0.20", 5432u, ListenerProtocol.Tcp, TrafficDirection.Outbound), (tcp.Address, tcp.Port, tcp.Protocol, tcp.Direction));
        Assert.True(tcp.HandoffOnly);
        Assert.Equal("", tcp.RouteConfigName);
        Assert.Equal([("outbound|5432||db.default.svc.cluster.local", 100u)], Split(tcp));
        Assert.Null(tcp.TcpRouteOrigin);
        Assert.Equal("10.96.0.21", Listener(sim, "10.96.0.21_5432").Address);
        Assert.DoesNotContain(sim.Resources.Listeners, l => l.Port == 6379);
    }

    [Fact]
    public void Generate_CapturedSidecar_GetsThePassthroughClustersWithoutEndpoints()
    {
        var sim = Sidecar(Captured("web-1"));

        Assert.Equal(LoadBalancerPolicy.Passthrough, sim.Cluster("PassthroughCluster").LbPolicy);
        Assert.Equal(LoadBalancerPolicy.Passthrough, sim.Cluster("InboundPassthroughCluster").LbPolicy);
        Assert.Equal(LoadBalancerPolicy.Unspecified, sim.Cluster("BlackHoleCluster").LbPolicy);
        // As Istio's: the client's protocol, so that h2c to an address outside the mesh stays HTTP/2.
        Assert.Equal(UpstreamProtocol.Downstream, sim.Cluster("PassthroughCluster").Protocol);
        Assert.Equal(UpstreamProtocol.Downstream, sim.Cluster("InboundPassthroughCluster").Protocol);
        foreach (var name in (string[])["PassthroughCluster", "BlackHoleCluster", "InboundPassthroughCluster"])
        {
            Assert.Empty(sim.Endpoints(name).Endpoints);
            Assert.Empty(sim.CompiledCluster(name).Endpoints);
        }
    }

    [Fact]
    public void Request_ServiceAddressAsAuthority_ReachesTheServiceVirtualHost()
    {
        var sim = Sidecar(Captured("web-1"));

        var outcome = sim.Request("10.96.0.10:80")!;

        Assert.Equal("web.default.svc.cluster.local:80", outcome.VirtualHost.Name);
        Assert.Equal("outbound|80||web.default.svc.cluster.local", outcome.Cluster);
        Assert.Contains("10.96.0.10:80", outcome.VirtualHost.Domains);
        // A port-less authority is port 80.
        Assert.Equal("web.default.svc.cluster.local:80", sim.Request("10.96.0.10")!.VirtualHost.Name);
        Assert.Equal("web.default.svc.cluster.local:8080", sim.Request("10.96.0.10:8080")!.VirtualHost.Name);
    }

    [Fact]
    public void Request_UnknownAuthorityAllowAny_GoesToPassthroughCluster()
    {
        var sim = Sidecar(Captured("web-1"));

        var outcome = sim.Request("example.com")!;

        Assert.Equal(("allow_any", "allow_any"), (outcome.VirtualHost.Name, outcome.Route.Name));
        Assert.Equal(["*"], outcome.VirtualHost.Domains);
        Assert.Equal("PassthroughCluster", outcome.Cluster);
        Assert.Equal("allow_any", sim.RouteConfig("outbound").VirtualHosts[^1].Name);
    }

    [Fact]
    public void Generate_RegistryOnly_BlackHolesConnectionsAndAnswers502()
    {
        var sim = Sidecar(Captured("web-1"), new MeshSettings(OutboundTrafficPolicyMode.RegistryOnly));

        Assert.Equal([("BlackHoleCluster", 100u)], Split(Listener(sim, "virtualOutbound")));
        var outcome = sim.Request("example.com:8443")!;
        Assert.Equal(("block_all", "block_all"), (outcome.VirtualHost.Name, outcome.Route.Name));
        Assert.Equal(502u, outcome.Route.DirectResponse.Status);
        Assert.Empty(outcome.Clusters);
        // A known service still routes.
        Assert.Equal("outbound|80||web.default.svc.cluster.local", sim.Request("web.default.svc.cluster.local")!.Cluster);
    }

    [Fact]
    public void Generate_TcpRouteWithSubsetsAndWeights_SplitsTheAddressListeners()
    {
        const string routing = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: db, namespace: default }
            spec:
              hosts: [db.default.svc.cluster.local]
              tcp:
              - match: [{ port: 5433 }]
                route: [{ destination: { host: db.default.svc.cluster.local, subset: never } }]
              - match: [{ sourceLabels: { app: other } }, { port: 5432, sourceLabels: { app: web } }]
                route:
                - { destination: { host: db.default.svc.cluster.local, subset: v1 }, weight: 75 }
                - { destination: { host: db.default.svc.cluster.local, subset: v2 }, weight: 25 }
                - { destination: { host: db.default.svc.cluster.local, subset: v3 }, weight: 0 }
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: db, namespace: default }
            spec:
              host: db.default.svc.cluster.local
              subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }, { name: v3, labels: { version: v3 } }, { name: never, labels: { version: never } }]
            """;

        var sim = Sidecar(Captured("web-1"), null, routing);

        var tcp = Listener(sim, "10.96.0.20_5432");
        Assert.Equal([("outbound|5432|v1|db.default.svc.cluster.local", 75u), ("outbound|5432|v2|db.default.svc.cluster.local", 25u)], Split(tcp));
        Assert.Equal(new RouteOrigin { VirtualService = "db", Namespace = "default", HttpRouteIndex = 1, MatchIndex = 1 }, tcp.TcpRouteOrigin);
        Assert.Equal(Split(tcp), Split(Listener(sim, "10.96.0.21_5432")));
    }

    [Theory]
    [InlineData("sourceLabels: { app: other }")]
    [InlineData("sourceNamespace: other")]
    [InlineData("gateways: [istio-system/ingress]")]
    [InlineData("port: 1234")]
    public void Generate_TcpRouteNotForThisProxy_ServiceClusterInstead(string condition)
    {
        var routing = $$"""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: db, namespace: default }
            spec:
              hosts: [db.default.svc.cluster.local]
              gateways: [mesh, istio-system/ingress]
              tcp:
              - match: [{ {{condition}} }]
                route: [{ destination: { host: db.default.svc.cluster.local, subset: v1 } }]
            """;

        var sim = Sidecar(Captured("web-1"), null, routing);

        var tcp = Listener(sim, "10.96.0.20_5432");
        Assert.Equal([("outbound|5432||db.default.svc.cluster.local", 100u)], Split(tcp));
        Assert.Null(tcp.TcpRouteOrigin);
    }

    [Fact]
    public void Generate_TcpRouteWithoutMatch_TakesEveryConnectionToTheOnlyDestination()
    {
        const string routing = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: db, namespace: default }
            spec:
              hosts: [db.default.svc.cluster.local]
              tcp:
              - route: [{ destination: { host: cache.default.svc.cluster.local }, weight: 10 }]
            """;

        var sim = Sidecar(Captured("web-1"), null, routing);

        Assert.Equal([("outbound|6379||cache.default.svc.cluster.local", 100u)], Split(Listener(sim, "10.96.0.20_5432")));
    }

    [Fact]
    public void Generate_InboundPerPort_ProtocolOfTheServicePortAndTheApplicationAtThatPort()
    {
        var sim = Sidecar(Captured("db-1", new Dictionary<string, string> { ["app"] = "db" }));

        // db serves 5432 (TCP, its service) and 9100 (declared by its WorkloadEntry only: sniffed).
        var tcp = Listener(sim, "virtualInbound_5432");
        Assert.Equal(("10.0.0.5", 5432u, TrafficDirection.Inbound, ListenerProtocol.Tcp), (tcp.Address, tcp.Port, tcp.Direction, tcp.Protocol));
        Assert.True(tcp.HandoffOnly);
        Assert.False(tcp.UseOriginalDst);
        Assert.Equal("inbound|5432", tcp.RouteConfigName);
        Assert.Equal([("inbound|5432||", 100u)], Split(tcp));
        Assert.Equal(ListenerProtocol.Auto, Listener(sim, "virtualInbound_9100").Protocol);

        var endpoint = Assert.Single(sim.Endpoints("inbound|5432||").Endpoints);
        Assert.Equal(("127.0.0.1", 5432u, "db"), (endpoint.Address, endpoint.Port, endpoint.ServiceAccount));
        Assert.Equal(9100u, Assert.Single(sim.Endpoints("inbound|9100||").Endpoints).Port);
        Assert.Equal(UpstreamProtocol.Downstream, sim.Cluster("inbound|9100||").Protocol);
    }

    [Fact]
    public void Generate_InboundHttpAndDetectedPorts_ListenerAndApplicationProtocol()
    {
        var sim = Sidecar(Captured("web-1"));

        Assert.Equal(ListenerProtocol.Http, Listener(sim, "virtualInbound_80").Protocol);
        Assert.Equal(UpstreamProtocol.Http1, sim.Cluster("inbound|80||").Protocol);
        // Detected: the application gets what the client spoke (an h2 hop from an upgraded client would hand it h2).
        Assert.Equal(ListenerProtocol.Auto, Listener(sim, "virtualInbound_8080").Protocol);
        Assert.Equal(UpstreamProtocol.Downstream, sim.Cluster("inbound|8080||").Protocol);
        Assert.Equal(8080u, Assert.Single(sim.Endpoints("inbound|8080||").Endpoints).Port);
    }

    [Theory]
    [InlineData("", UpstreamProtocol.Downstream)]                               // Istio never upgrades a detected port by default
    [InlineData("{ h2UpgradePolicy: DO_NOT_UPGRADE }", UpstreamProtocol.Downstream)]
    [InlineData("{ h2UpgradePolicy: UPGRADE }", UpstreamProtocol.Http2)]          // the user says the port is HTTP
    [InlineData("{ useClientProtocol: true }", UpstreamProtocol.Downstream)]
    public void Generate_OutboundDetectedPort_FollowsTheClientUnlessUpgraded(string http, UpstreamProtocol expected)
    {
        var pool = http.Length == 0 ? "" : $", connectionPool: {{ http: {http} }}";
        var rule = $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: web, namespace: default }
            spec:
              host: web.default.svc.cluster.local
              trafficPolicy: { tls: { mode: ISTIO_MUTUAL }{{pool}} }
            """;

        var sim = Sidecar(Captured("db-1", new Dictionary<string, string> { ["app"] = "db" }), null, rule);

        Assert.Equal(expected, sim.Cluster("outbound|8080||web.default.svc.cluster.local").Protocol);
        // The HTTP port beside it: h2 between sidecars unless the rule keeps it on HTTP/1.1 or follows the client.
        var http1 = http.Contains("DO_NOT_UPGRADE", StringComparison.Ordinal);
        var downstream = http.Contains("useClientProtocol", StringComparison.Ordinal);
        Assert.Equal(downstream ? UpstreamProtocol.Downstream : http1 ? UpstreamProtocol.Http1 : UpstreamProtocol.Http2,
            sim.Cluster("outbound|80||web.default.svc.cluster.local").Protocol);
        Assert.Equal(UpstreamProtocol.Unspecified, sim.Cluster("outbound|5432||db.default.svc.cluster.local").Protocol);
    }

    [Theory]
    [InlineData("", UpstreamProtocol.Http1)]                                   // Istio: a gateway cannot tell, so HTTP/1.1
    [InlineData("{ useClientProtocol: true }", UpstreamProtocol.Downstream)]   // Istio's documented way to follow the client
    public void Generate_GatewayToADetectedPort_Http11UnlessUseClientProtocol(string http, UpstreamProtocol expected)
    {
        string[] rule = http.Length == 0 ? [] : [$$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: web, namespace: default }
            spec:
              host: web.default.svc.cluster.local
              trafficPolicy: { connectionPool: { http: {{http}} } }
            """];
        var loaded = IstioConfigLoader.LoadText(string.Join("\n---\n", [Services, .. rule]), "test.yaml");
        Assert.Empty(loaded.Errors);

        var gateway = Simulation.Of(MeshSnapshotBuilder.Build(1, loaded.Resources), TestNodes.Router());

        Assert.Equal(expected, gateway.Cluster("outbound|8080||web.default.svc.cluster.local").Protocol);
    }

    [Fact]
    public void Generate_NotCaptured_NoCaptureListenersNoFallthroughNoAddressDomains()
    {
        var node = Captured("web-1");
        node.InboundCapturePort = 0;

        var sim = Sidecar(node);

        Assert.Equal(["virtualInbound_80", "virtualInbound_8080", "virtualOutbound"], sim.Resources.Listeners.Select(l => l.Name));
        Assert.All(sim.Resources.Listeners, l => Assert.Equal((false, false, ListenerProtocol.Http), (l.UseOriginalDst, l.HandoffOnly, l.Protocol)));
        Assert.Equal("10.0.0.5", Listener(sim, "virtualOutbound").Address);
        Assert.DoesNotContain(sim.Resources.Clusters, c => c.Name.EndsWith("Cluster", StringComparison.Ordinal));
        Assert.Null(sim.Request("10.96.0.10:80"));
        Assert.Null(sim.Request("example.com"));
        // Local mode: every inbound port goes to the one --app port.
        Assert.Equal(80u, Assert.Single(sim.Endpoints("inbound|8080||").Endpoints).Port);
    }

    [Fact]
    public void Load_ServiceEntryAddressRange_WarnedAsWithoutEffect()
    {
        var result = IstioConfigLoader.LoadText(Services, "test.yaml");

        var warning = Assert.Single(result.Warnings).ToString();
        Assert.Contains("spec.addresses[2]: has no effect in this mesh for \"10.97.0.0/16\": captured sidecars recognise single service addresses only", warning);
    }

    [Fact]
    public void Generate_TwoHostsOneAddress_TheAddressNamesOneVirtualHostAndOneListener()
    {
        const string shared = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: twins, namespace: default }
            spec:
              hosts: [a.example.com, b.example.com]
              addresses: [192.168.7.7]
              ports: [{ number: 80, name: http, protocol: HTTP }, { number: 3306, name: mysql, protocol: MYSQL }]
              resolution: DNS
            """;

        var sim = Sidecar(Captured("web-1"), null, shared);

        Assert.Equal("a.example.com:80", sim.Request("192.168.7.7")!.VirtualHost.Name);
        Assert.Equal([("outbound|3306||a.example.com", 100u)], Split(Listener(sim, "192.168.7.7_3306")));
    }
}
