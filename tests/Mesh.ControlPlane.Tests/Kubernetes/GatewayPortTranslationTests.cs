using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Kubernetes;
using Mesh.ControlPlane.Tests.Translation;
using Mesh.ControlPlane.Translation;

namespace Mesh.ControlPlane.Tests.Kubernetes;

/// <summary>
/// Istio's gateway port translation over the Kubernetes registry: a Gateway server's port names a port of the Services
/// selecting the gateway's pod, and the proxy listens on that port's targetPort; a number no such Service has is
/// listened on as written.
/// </summary>
public sealed class GatewayPortTranslationTests
{
    private const string GatewayPodName = "istio-ingressgateway-5d9c7";

    // The gateway pod as deploy/gateway runs it: the proxy is the container istio-proxy, with named ports.
    private const string GatewayPod = $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{GatewayPodName}}
          namespace: istio-system
          labels: { app: istio-ingressgateway, istio: ingressgateway }
        spec:
          serviceAccountName: istio-ingressgateway-service-account
          containers:
          - name: istio-proxy
            image: mesh:dev
            ports: [{ name: http2, containerPort: 8080 }, { name: https, containerPort: 8443 }, { name: status-port, containerPort: 15021 }]
        status: { phase: Running, podIP: 10.0.0.50 }
        """;

    private const string GatewayService = """
        apiVersion: v1
        kind: Service
        metadata: { name: istio-ingressgateway, namespace: istio-system, creationTimestamp: "2026-01-01T00:00:00Z" }
        spec:
          type: LoadBalancer
          clusterIP: 10.96.0.80
          selector: { app: istio-ingressgateway, istio: ingressgateway }
          ports:
          - { name: status-port, port: 15021, targetPort: 15021 }
          - { name: http2, port: 80, targetPort: 8080 }
          - { name: https, port: 443, targetPort: 8443 }
        """;

    private const string Frontend = """
        apiVersion: v1
        kind: Service
        metadata: { name: frontend, namespace: shop }
        spec:
          clusterIP: 10.96.0.10
          selector: { app: frontend }
          ports: [{ name: http, port: 80, targetPort: 8080 }]
        """;

    // Bookinfo's shape: HTTP on 80 and TLS passthrough on 443, a VirtualService matching the server port 80.
    private const string Routing = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: shop, namespace: shop }
        spec:
          selector: { istio: ingressgateway }
          servers:
          - port: { number: 80, name: http, protocol: HTTP }
            hosts: [shop.example.com]
          - port: { number: 443, name: tls, protocol: TLS }
            hosts: [secure.example.com]
            tls: { mode: PASSTHROUGH }
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: shop, namespace: shop }
        spec:
          hosts: [shop.example.com, secure.example.com]
          gateways: [shop]
          http:
          - match: [{ port: 80 }]
            route: [{ destination: { host: frontend.shop.svc.cluster.local } }]
          tls:
          - match: [{ port: 443, sniHosts: [secure.example.com] }]
            route: [{ destination: { host: frontend.shop.svc.cluster.local, port: { number: 80 } } }]
        """;

    private static readonly Node Gateway = TestNodes.Router(GatewayPodName, "istio-system");

    [Fact]
    public void Generate_ServiceMapsGatewayPorts_ListensOnTheTargetPorts()
    {
        var sim = Simulation.Of(RegistryTranslationTests.FromCluster([GatewayPod, GatewayService, Frontend], Routing), Gateway);

        Assert.Equal([("127.0.0.1_8080", 8080u, "http.8080"), ("127.0.0.1_8443", 8443u, "")],
            sim.Resources.Listeners.Select(l => (l.Name, l.Port, l.RouteConfigName)).OrderBy(l => l.Port));
        // Routes keep the server's port: the VirtualService's port match and the virtual host name say 80.
        var outcome = sim.Request("shop.example.com", listenerPort: 8080)!;
        Assert.Equal("shop.example.com:80", outcome.VirtualHost.Name);
        Assert.Equal("outbound|80||frontend.shop.svc.cluster.local", outcome.Cluster);
        var sni = Assert.Single(sim.Resources.Listeners.Single(l => l.Port == 8443).SniRoutes);
        Assert.Equal(["secure.example.com"], sni.SniHosts);
    }

    [Fact]
    public void Generate_NoServiceSelectsTheGateway_ListensOnTheServerPorts()
    {
        var otherSelector = GatewayService.Replace("selector: { app: istio-ingressgateway, istio: ingressgateway }", "selector: { istio: egressgateway }", StringComparison.Ordinal);
        var sim = Simulation.Of(RegistryTranslationTests.FromCluster([GatewayPod, otherSelector, Frontend], Routing), Gateway);

        Assert.Equal([80u, 443u], Ports(sim));
        Assert.Equal("http.80", Assert.Single(sim.Resources.Listeners, l => l.Port == 80).RouteConfigName);
        Assert.Equal("outbound|80||frontend.shop.svc.cluster.local", sim.Request("shop.example.com", listenerPort: 80)!.Cluster);
    }

    [Fact]
    public void Generate_ServiceInAnotherNamespace_DoesNotTranslate()
    {
        var elsewhere = GatewayService.Replace("namespace: istio-system", "namespace: shop", StringComparison.Ordinal);
        var sim = Simulation.Of(RegistryTranslationTests.FromCluster([GatewayPod, elsewhere, Frontend], Routing), Gateway);

        Assert.Equal([80u, 443u], Ports(sim));
    }

    [Fact]
    public void Generate_ProxyWithoutAPod_ListensOnTheServerPorts()
    {
        var snapshot = RegistryTranslationTests.FromCluster([GatewayPod, GatewayService, Frontend], Routing);
        var sim = Simulation.Of(snapshot, TestNodes.Router("gateway-outside-the-cluster", "istio-system"));

        Assert.Equal([80u, 443u], Ports(sim));
    }

    [Fact]
    public void Generate_ServerPortNoServiceHas_ListensOnItAsWritten()
    {
        var sim = Simulation.Of(RegistryTranslationTests.FromCluster([GatewayPod, GatewayService, Frontend], """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: admin, namespace: istio-system }
            spec:
              selector: { istio: ingressgateway }
              servers: [{ port: { number: 9000, name: http-admin, protocol: HTTP }, hosts: ["*"] }]
            """), Gateway);

        Assert.Equal(9000u, Assert.Single(sim.Resources.Listeners).Port);
    }

    [Fact]
    public void Generate_TwoServicesWithThePort_OldestWins()
    {
        var newer = """
            apiVersion: v1
            kind: Service
            metadata: { name: aaa-internal, namespace: istio-system, creationTimestamp: "2026-02-01T00:00:00Z" }
            spec:
              clusterIP: 10.96.0.81
              selector: { istio: ingressgateway }
              ports: [{ name: http, port: 80, targetPort: 9090 }]
            """;
        var sim = Simulation.Of(RegistryTranslationTests.FromCluster([GatewayPod, newer, GatewayService, Frontend], Routing), Gateway);
        Assert.Equal(8080u, HttpListener(sim).Port);

        // Created at the same moment: by host name, so aaa-internal comes first.
        var sameTime = newer.Replace("2026-02-01", "2026-01-01", StringComparison.Ordinal);
        sim = Simulation.Of(RegistryTranslationTests.FromCluster([GatewayPod, sameTime, GatewayService, Frontend], Routing), Gateway);
        Assert.Equal(9090u, HttpListener(sim).Port);
    }

    [Fact]
    public void Generate_NamedTargetPort_ResolvedByThePodsContainerPorts()
    {
        var named = GatewayService
            .Replace("port: 80, targetPort: 8080", "port: 80, targetPort: http2", StringComparison.Ordinal)
            .Replace("port: 443, targetPort: 8443", "port: 443, targetPort: no-such-port", StringComparison.Ordinal);
        var sim = Simulation.Of(RegistryTranslationTests.FromCluster([GatewayPod, named, Frontend], Routing), Gateway);

        // http2 is the istio-proxy container's 8080; a name the pod lacks translates nothing, so 443 is kept.
        Assert.Equal([443u, 8080u], Ports(sim));
    }

    [Fact]
    public void Generate_ServersOnThePortAndItsTarget_ShareOneListener()
    {
        var sim = Simulation.Of(RegistryTranslationTests.FromCluster([GatewayPod, GatewayService, Frontend], Routing, """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: direct, namespace: shop }
            spec:
              selector: { istio: ingressgateway }
              servers: [{ port: { number: 8080, name: http-direct, protocol: HTTP }, hosts: [direct.example.com] }]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: direct, namespace: shop }
            spec:
              hosts: [direct.example.com]
              gateways: [direct]
              http: [{ route: [{ destination: { host: frontend.shop.svc.cluster.local } }] }]
            """), Gateway);

        Assert.Equal(8080u, HttpListener(sim).Port);
        Assert.NotNull(sim.Request("shop.example.com", listenerPort: 8080));
        Assert.NotNull(sim.Request("direct.example.com", listenerPort: 8080));
    }

    [Fact]
    public void NeedsPush_GatewayServiceTargetPortChanged_PushesTheGatewayItsNewPort()
    {
        var before = KubernetesRegistry.Build(KubeYaml.Objects(GatewayPod, GatewayService), "cluster.local");
        var moved = GatewayService.Replace("targetPort: 8080", "targetPort: 8081", StringComparison.Ordinal);
        var after = KubernetesRegistry.Build(KubeYaml.Objects(GatewayPod, moved), "cluster.local");
        var changed = KubernetesRegistry.ChangedKeys(before, after);
        var previous = RegistryTranslationTests.FromCluster([GatewayPod, GatewayService], Routing);
        var current = RegistryTranslationTests.FromCluster([GatewayPod, moved], Routing);

        Assert.True(ProxyDependencies.NeedsPush(Gateway, previous, current, PushRequest.ForConfigs(changed, DateTimeOffset.UtcNow)));
        Assert.Equal(8081u, Assert.Single(ProxyConfigGenerator.Generate(Gateway, current).Listeners, l => l.RouteConfigName.Length > 0).Port);
    }

    private static uint[] Ports(Simulation sim) => sim.Resources.Listeners.Select(l => l.Port).Order().ToArray();

    private static Listener HttpListener(Simulation sim) => Assert.Single(sim.Resources.Listeners, l => l.RouteConfigName.Length > 0);
}
