using Mesh.Contracts.Discovery;

namespace Mesh.ControlPlane.Tests.Translation;

public sealed class SidecarSimulationTests
{
    private const string Backend = "backend.default.svc.cluster.local";

    [Fact]
    public void Request_DemoCanarySplit_SplitsSubsetClusters80To20()
    {
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, DemoYaml.BackendSubsets, DemoYaml.BackendRouting);

        var outcome = sim.Request("backend:9080", "/api")!;

        Assert.Equal($"{Backend}:9080", outcome.VirtualHost.Name);
        Assert.Equal("canary-split", outcome.Route.Name);
        Assert.Equal([($"outbound|9080|v1|{Backend}", 80u), ($"outbound|9080|v2|{Backend}", 20u)], outcome.Clusters);
    }

    [Fact]
    public void Request_HeaderMatch_RoutesJasonToV2WithWeight100()
    {
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, DemoYaml.BackendSubsets, DemoYaml.BackendRouting);

        var outcome = sim.Request("backend:9080", "/", new Dictionary<string, string> { ["end-user"] = "jason" })!;

        Assert.Equal("jason-to-v2", outcome.Route.Name);
        Assert.Equal([($"outbound|9080|v2|{Backend}", 100u)], outcome.Clusters);
        Assert.Equal(new RouteOrigin { VirtualService = "backend", Namespace = "default", HttpRouteIndex = 0, MatchIndex = 0 }, outcome.Route.Origin);
    }

    [Fact]
    public void Generate_SameNamespaceProxy_GetsShortNameDomainsWithPort()
    {
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads);

        var virtualHost = sim.VirtualHost("outbound", $"{Backend}:9080");

        Assert.Equal([$"{Backend}:9080", "backend:9080", "backend.default.svc:9080", "backend.default:9080"], virtualHost.Domains);
        Assert.True(virtualHost.IncludeRequestAttemptCount);
        Assert.NotNull(sim.Request("backend.default:9080"));
        // A port-less authority is port 80, which backend does not serve.
        Assert.Null(sim.Request("backend"));
    }

    [Fact]
    public void Generate_OtherNamespaceProxy_GetsNoBareShortName()
    {
        var sim = Simulation.Sidecar("client", "other", DemoYaml.Workloads);

        var domains = sim.VirtualHost("outbound", $"{Backend}:9080").Domains;

        Assert.Equal([$"{Backend}:9080", "backend.default:9080", "backend.default.svc:9080"], domains);
        Assert.Null(sim.Request("backend:9080"));
    }

    [Fact]
    public void Request_ServiceWithoutVirtualService_GetsDefaultRouteWithIstioDefaultRetries()
    {
        var sim = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads);

        var outcome = sim.Request("frontend")!;

        Assert.Equal("default", outcome.Route.Name);
        Assert.Equal("outbound|80||frontend.default.svc.cluster.local", outcome.Cluster);
        var retry = outcome.Route.Route_.RetryPolicy;
        Assert.Equal(2u, retry.NumRetries);
        Assert.Equal(["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"], retry.RetryOn);
        Assert.Equal([503u], retry.RetriableStatusCodes);
        Assert.True(retry.IgnorePreviousHosts);
        Assert.Equal(0u, outcome.Route.Route_.TimeoutMs);
    }

    [Fact]
    public void Generate_SubsetClusters_SelectEndpointsByLabelsAtWorkloadEntryPorts()
    {
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, DemoYaml.BackendSubsets);

        var all = sim.Endpoints($"outbound|9080||{Backend}").Endpoints.Select(e => $"{e.Address}:{e.Port}");
        var v2 = Assert.Single(sim.Endpoints($"outbound|9080|v2|{Backend}").Endpoints);

        Assert.Equal(["127.0.0.2:17002", "127.0.0.3:17003"], all);
        Assert.Equal(("127.0.0.3", 17003u, "backend-v2", "backend"), (v2.Address, v2.Port, v2.WorkloadName, v2.ServiceAccount));
        Assert.Equal(LoadBalancerPolicy.RoundRobin, sim.Cluster($"outbound|9080|v2|{Backend}").LbPolicy);
        Assert.Equal(UpstreamTlsMode.IstioMutual, sim.Cluster($"outbound|9080|v2|{Backend}").Tls.Mode);
        Assert.Equal(UpstreamProtocol.Http2, sim.Cluster($"outbound|9080|v2|{Backend}").Protocol);
    }

    [Fact]
    public void Generate_EndpointPort_FallsBackToTargetPortThenServicePort()
    {
        var sim = Simulation.Sidecar("client", "default", """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: api, namespace: default }
            spec:
              hosts: [api.example.com]
              ports:
              - { number: 80, name: http, protocol: HTTP, targetPort: 8080 }
              - { number: 81, name: grpc, protocol: GRPC }
              resolution: STATIC
              endpoints:
              - address: 10.0.0.1
              - address: 10.0.0.2
                ports: { grpc: 9091 }
            """);

        Assert.Equal([8080u, 8080u], sim.Endpoints("outbound|80||api.example.com").Endpoints.Select(e => e.Port));
        Assert.Equal([81u, 9091u], sim.Endpoints("outbound|81||api.example.com").Endpoints.Select(e => e.Port));
        Assert.Equal(UpstreamProtocol.Http2, sim.Cluster("outbound|81||api.example.com").Protocol);
        Assert.Equal(["api.example.com:80"], sim.VirtualHost("outbound", "api.example.com:80").Domains);
    }

    [Fact]
    public void Generate_ServiceEntryInlineEndpoints_NameNoWorkloadUnlikeWorkloadEntries()
    {
        // Istio reports an inline endpoint's destination_workload as unknown: it is an address, not a workload, and a
        // name made up here (echo[0]) would show in Kiali as a workload that does not exist.
        var sim = Simulation.Sidecar("client", "default", DemoYaml.Workloads, """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: echo, namespace: default }
            spec:
              hosts: [echo.example.com]
              ports: [{ number: 80, name: http, protocol: HTTP }]
              resolution: STATIC
              endpoints:
              - address: 10.0.0.1
              - address: 10.0.0.2
            """);

        var inline = sim.Endpoints("outbound|80||echo.example.com").Endpoints;

        Assert.Equal([("10.0.0.1", ""), ("10.0.0.2", "")], inline.Select(e => (e.Address, e.WorkloadName)));
        Assert.All(inline, e => Assert.Equal("default", e.Namespace));
        Assert.Equal(["backend-v1", "backend-v2"], sim.Endpoints($"outbound|9080||{Backend}").Endpoints.Select(e => e.WorkloadName));
    }

    [Fact]
    public void Generate_Inbound_OneListenerPerWorkloadEntryPortToAppAddress()
    {
        var sim = Simulation.Sidecar("backend-v2", "default", DemoYaml.Workloads);

        var listener = Assert.Single(sim.Resources.Listeners, l => l.Direction == TrafficDirection.Inbound);
        Assert.Equal(("virtualInbound_17003", 17003u, "inbound|17003"), (listener.Name, listener.Port, listener.RouteConfigName));
        var virtualHost = Assert.Single(sim.RouteConfig("inbound|17003").VirtualHosts);
        Assert.Equal(["*"], virtualHost.Domains);
        Assert.False(virtualHost.IncludeRequestAttemptCount);
        var route = Assert.Single(virtualHost.Routes);
        Assert.Equal("inbound|17003||", Assert.Single(route.Route_.Clusters).Name);
        Assert.Null(route.Route_.RetryPolicy);
        var endpoint = Assert.Single(sim.Endpoints("inbound|17003||").Endpoints);
        Assert.Equal(("127.0.0.1", 8081u), (endpoint.Address, endpoint.Port));
        var outbound = Assert.Single(sim.Resources.Listeners, l => l.Name == "virtualOutbound");
        Assert.Equal((15001u, "outbound"), (outbound.Port, outbound.RouteConfigName));
    }

    [Fact]
    public void Generate_ProxyWithoutWorkloadEntry_HasNoInboundListener()
    {
        var sim = Simulation.Sidecar("unknown", "default", DemoYaml.Workloads);

        Assert.Equal(["virtualOutbound"], sim.Resources.Listeners.Select(l => l.Name));
    }

    [Fact]
    public void Generate_SameInputTwice_GivesEqualResources()
    {
        var first = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, DemoYaml.BackendSubsets, DemoYaml.BackendRouting);
        var second = Simulation.Sidecar("frontend-v1", "default", DemoYaml.BackendRouting, DemoYaml.BackendSubsets, DemoYaml.Workloads);

        foreach (var type in TypeUrls.PushOrder)
        {
            Assert.Equal(
                ControlPlane.Discovery.ResourceVersion.Compute(ControlPlane.Discovery.ResourceVersion.Pack(first.Resources.OfType(type))),
                ControlPlane.Discovery.ResourceVersion.Compute(ControlPlane.Discovery.ResourceVersion.Pack(second.Resources.OfType(type))));
        }
    }
}
