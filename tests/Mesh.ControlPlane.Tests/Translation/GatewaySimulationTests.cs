using Mesh.Contracts.Discovery;

namespace Mesh.ControlPlane.Tests.Translation;

public sealed class GatewaySimulationTests
{
    [Fact]
    public void Request_DemoIngress_RoutesEverythingToFrontend()
    {
        var sim = Simulation.Router("istio-ingressgateway", "default", DemoYaml.IngressLabels, DemoYaml.Workloads, DemoYaml.IngressGateway);

        var listener = Assert.Single(sim.Resources.Listeners);
        Assert.Equal(("127.0.0.1_8080", 8080u, "http.8080", TrafficDirection.Gateway), (listener.Name, listener.Port, listener.RouteConfigName, listener.Direction));
        var outcome = sim.Request("anything.example.com", "/", listenerPort: 8080)!;
        Assert.Equal("outbound|80||frontend.default.svc.cluster.local", outcome.Cluster);
        Assert.Equal(2u, outcome.Route.Route_.RetryPolicy.NumRetries);
    }

    [Fact]
    public void Generate_GatewaySelectorNotMatching_NoListeners()
    {
        var sim = Simulation.Router("other-gateway", "default", new Dictionary<string, string> { ["istio"] = "egressgateway" },
            DemoYaml.Workloads, DemoYaml.IngressGateway);

        Assert.Empty(sim.Resources.Listeners);
        Assert.NotEmpty(sim.Resources.Clusters);
    }

    [Theory]
    [InlineData("edge")]
    [InlineData("infra/edge")]
    [InlineData("edge.infra.svc.cluster.local")]
    public void Generate_GatewayReference_BindsAcrossNamespaces(string reference)
    {
        var sim = Simulation.Router("ingress", "infra", DemoYaml.IngressLabels, DemoYaml.Workloads, """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: edge, namespace: infra }
            spec:
              selector: { istio: ingressgateway }
              servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*/shop.example.com"] }]
            """, $$"""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: shop, namespace: {{(reference == "edge" ? "infra" : "default")}} }
            spec:
              hosts: [shop.example.com]
              gateways: [{{reference}}]
              http: [{ route: [{ destination: { host: frontend.default.svc.cluster.local } }] }]
            """);

        var outcome = sim.Request("shop.example.com", listenerPort: 80)!;

        Assert.Equal("shop.example.com:80", outcome.VirtualHost.Name);
        Assert.Equal(["shop.example.com:*"], outcome.VirtualHost.Domains);
        Assert.Equal("outbound|80||frontend.default.svc.cluster.local", outcome.Cluster);
    }

    [Fact]
    public void Generate_ServerHosts_IntersectWithVirtualServiceHostsAndNamespaces()
    {
        var sim = Simulation.Router("ingress", "default", DemoYaml.IngressLabels, DemoYaml.Workloads, """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: edge, namespace: default }
            spec:
              selector: { istio: ingressgateway }
              servers:
              - port: { number: 80, name: http, protocol: HTTP }
                hosts: ["./*.example.com", "prod/*.prod.com"]
            """, """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: shop, namespace: default }
            spec:
              hosts: [a.example.com, example.com, b.prod.com, "*.example.com"]
              gateways: [edge]
              http: [{ route: [{ destination: { host: frontend.default.svc.cluster.local } }] }]
            """);

        var names = sim.RouteConfig("http.80").VirtualHosts.Select(v => v.Name);

        // example.com is not under *.example.com; b.prod.com may only bind from namespace prod.
        Assert.Equal(["*.example.com:80", "a.example.com:80"], names);
        Assert.Equal("a.example.com:80", sim.Request("a.example.com", listenerPort: 80)!.VirtualHost.Name);
        Assert.Equal("*.example.com:80", sim.Request("z.example.com:80", listenerPort: 80)!.VirtualHost.Name);
    }

    [Fact]
    public void Generate_GatewayPortWithoutVirtualServices_Answers404()
    {
        var sim = Simulation.Router("ingress", "default", DemoYaml.IngressLabels, """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: edge, namespace: default }
            spec:
              selector: { istio: ingressgateway }
              servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*"] }]
            """);

        var outcome = sim.Request("x.example.com", listenerPort: 80)!;

        Assert.Equal(404u, outcome.Route.DirectResponse.Status);
    }

    [Fact]
    public void Generate_VirtualServiceForBothMeshAndGateway_AppliesToBoth()
    {
        const string vs = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: backend, namespace: default }
            spec:
              hosts: [backend]
              gateways: [mesh, frontend-gateway]
              http: [{ route: [{ destination: { host: backend, subset: v2 } }] }]
            """;
        var gateway = Simulation.Router("ingress", "default", DemoYaml.IngressLabels, DemoYaml.Workloads, DemoYaml.BackendSubsets, DemoYaml.IngressGateway, vs);
        var sidecar = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, DemoYaml.BackendSubsets, DemoYaml.IngressGateway, vs);

        Assert.Equal("outbound|9080|v2|backend.default.svc.cluster.local",
            gateway.Request("backend.default.svc.cluster.local", listenerPort: 8080)!.Cluster);
        Assert.Equal("outbound|9080|v2|backend.default.svc.cluster.local", sidecar.Request("backend:9080")!.Cluster);
    }
}
