using Mesh.Contracts.Discovery;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// Gateway PASSTHROUGH servers: VirtualService tls routes become SNI routes on the port's listener; a connection's server
/// name reaches the clusters the proxy would pick (exact, then the longest "*.suffix", then "*").
/// </summary>
public sealed class PassthroughSimulationTests
{
    private const string Gateway = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: edge, namespace: default }
        spec:
          selector: { istio: ingressgateway }
          servers:
          - port: { number: 9443, name: tls-passthrough, protocol: TLS }
            hosts: ["*.example.com"]
            tls: { mode: PASSTHROUGH }
          - port: { number: 8443, name: https-simple, protocol: HTTPS }
            hosts: [secure.example.com]
            tls: { mode: SIMPLE, credentialName: secure-cred }
        """;

    private const string Routes = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: passthrough, namespace: default }
        spec:
          hosts: ["*.example.com"]
          gateways: [edge]
          tls:
          - match: [{ sniHosts: [a.example.com], port: 9443 }]
            route:
            - destination: { host: frontend, port: { number: 80 } }
          - match: [{ sniHosts: ["*.b.example.com", other.org] }]
            route:
            - destination: { host: backend, subset: v1 }
              weight: 80
            - destination: { host: backend, subset: v2 }
              weight: 20
          - match: [{ sniHosts: [a.example.com, c.example.com] }]
            route:
            - destination: { host: backend }
          - match: [{ sniHosts: [d.example.com], port: 8443 }]
            route:
            - destination: { host: frontend }
        """;

    [Fact]
    public void Generate_TlsRoutesOnPassthroughServer_SniRoutesOnTheListenerWithoutRouteConfiguration()
    {
        var sim = Simulation.Router("istio-ingressgateway", "default", DemoYaml.IngressLabels, DemoYaml.Workloads, Gateway, Routes);

        var listener = Assert.Single(sim.Resources.Listeners, l => l.Port == 9443);
        Assert.Empty(listener.RouteConfigName);
        Assert.Empty(listener.TlsServers);
        Assert.Equal(["passthrough.default.tls.0.0", "passthrough.default.tls.1.0", "passthrough.default.tls.2.0"], listener.SniRoutes.Select(r => r.Name));
        Assert.DoesNotContain(sim.Resources.Routes, r => r.Name == "http.9443");
    }

    [Fact]
    public void Generate_ExactSniHost_RoutesToItsDestinationPort()
    {
        var sim = Simulation.Router("istio-ingressgateway", "default", DemoYaml.IngressLabels, DemoYaml.Workloads, Gateway, Routes);

        Assert.Equal(["outbound|80||frontend.default.svc.cluster.local:100"], Sni(sim, 9443, "a.example.com"));
    }

    [Fact]
    public void Generate_WildcardSniHost_WeightedSubsetsAndOnlyNamesTheServerServes()
    {
        var sim = Simulation.Router("istio-ingressgateway", "default", DemoYaml.IngressLabels, DemoYaml.Workloads, DemoYaml.BackendSubsets, Gateway, Routes);

        Assert.Equal(["outbound|9080|v1|backend.default.svc.cluster.local:80", "outbound|9080|v2|backend.default.svc.cluster.local:20"],
            Sni(sim, 9443, "x.b.example.com"));
        // other.org is outside the server's *.example.com.
        Assert.Empty(Sni(sim, 9443, "other.org"));
    }

    [Fact]
    public void Generate_NameClaimedByAnEarlierRoute_LaterRouteKeepsOnlyItsOtherNames()
    {
        var sim = Simulation.Router("istio-ingressgateway", "default", DemoYaml.IngressLabels, DemoYaml.Workloads, Gateway, Routes);

        var listener = Assert.Single(sim.Resources.Listeners, l => l.Port == 9443);
        Assert.Equal(["c.example.com"], listener.SniRoutes[2].SniHosts);
        Assert.Equal(["outbound|9080||backend.default.svc.cluster.local:100"], Sni(sim, 9443, "c.example.com"));
    }

    [Fact]
    public void Generate_MatchForAnotherPort_NotOnThisListener()
    {
        var sim = Simulation.Router("istio-ingressgateway", "default", DemoYaml.IngressLabels, DemoYaml.Workloads, Gateway, Routes);

        Assert.Empty(Sni(sim, 9443, "d.example.com"));
        // The SIMPLE port terminates TLS and routes HTTP: a tls route does not turn it into passthrough.
        Assert.Empty(Assert.Single(sim.Resources.Listeners, l => l.Port == 8443).SniRoutes);
    }

    [Fact]
    public void Generate_PassthroughServerWithoutTlsRoutes_NoListener()
    {
        var sim = Simulation.Router("istio-ingressgateway", "default", DemoYaml.IngressLabels, DemoYaml.Workloads, Gateway);

        Assert.DoesNotContain(sim.Resources.Listeners, l => l.Port == 9443);
    }

    [Fact]
    public void Generate_VirtualServiceNamespaceNotAllowedByServerHost_NoRoute()
    {
        var restricted = Gateway.Replace("hosts: [\"*.example.com\"]", "hosts: [\"other/*.example.com\"]", StringComparison.Ordinal);
        var sim = Simulation.Router("istio-ingressgateway", "default", DemoYaml.IngressLabels, DemoYaml.Workloads, restricted, Routes);

        Assert.DoesNotContain(sim.Resources.Listeners, l => l.Port == 9443);
    }

    [Fact]
    public void Generate_PassthroughAndSimpleServersOnOnePort_ListenerWithSniRoutesAndCredentials()
    {
        var shared = Gateway.Replace("number: 8443", "number: 9443", StringComparison.Ordinal);
        var sim = Simulation.Router("istio-ingressgateway", "default", DemoYaml.IngressLabels, DemoYaml.Workloads, shared, Routes);

        var listener = Assert.Single(sim.Resources.Listeners, l => l.Port == 9443);
        Assert.Equal(["secure.example.com"], Assert.Single(listener.TlsServers).Hosts);
        Assert.Equal("http.9443", listener.RouteConfigName);
        Assert.Equal(["outbound|80||frontend.default.svc.cluster.local:100"], Sni(sim, 9443, "a.example.com"));
        // d.example.com's match names port 8443, which no server uses any more.
        Assert.Empty(Sni(sim, 9443, "d.example.com"));
    }

    /// <summary>The clusters ("name:weight") a connection with this SNI reaches on the listener of <paramref name="port"/>, matched as the proxy matches.</summary>
    private static List<string> Sni(Simulation sim, uint port, string serverName)
    {
        var listener = sim.Resources.Listeners.SingleOrDefault(l => l.Port == port);
        if (listener is null) return [];
        var route = listener.SniRoutes.FirstOrDefault(r => r.SniHosts.Contains(serverName))
            ?? listener.SniRoutes
                .SelectMany(r => r.SniHosts.Where(h => h.StartsWith("*.", StringComparison.Ordinal) && serverName.EndsWith(h[1..], StringComparison.Ordinal)).Select(h => (Host: h, Route: r)))
                .OrderByDescending(x => x.Host.Length).Select(x => x.Route).FirstOrDefault()
            ?? listener.SniRoutes.FirstOrDefault(r => r.SniHosts.Contains("*"));
        return route is null ? [] : route.Clusters.Select(c => $"{c.Name}:{c.Weight}").ToList();
    }
}
