using Mesh.Istio;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>VirtualService delegation with Istio's merge rules: YAML in, where the proxy routes a request out.</summary>
public sealed class DelegateSimulationTests
{
    private const string Backend = "backend.default.svc.cluster.local";

    private const string Root = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: root, namespace: default }
        spec:
          hosts: [backend]
          http:
          - name: api
            match: [{ uri: { prefix: /api } }]
            timeout: 3s
            headers: { request: { set: { x-root: "yes" } } }
            delegate: { name: api-routes }
          - route: [{ destination: { host: backend, subset: v1 } }]
        """;

    private static Simulation Sidecar(params string[] yaml) =>
        Simulation.Sidecar("frontend-v1", "default", [DemoYaml.Workloads, DemoYaml.BackendSubsets, .. yaml]);

    [Fact]
    public void Request_DelegateRoutes_MergedUnderTheRootMatch()
    {
        var sim = Sidecar(Root, """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: api-routes, namespace: default }
            spec:
              http:
              - name: v2
                match: [{ uri: { prefix: /api/v2 } }, { uri: { exact: /api/exact } }]
                route: [{ destination: { host: backend, subset: v2 } }]
                timeout: 9s
              - route: [{ destination: { host: backend, subset: v1 } }]
            """);

        var v2 = sim.Request("backend:9080", "/api/v2/items")!;
        Assert.Equal($"outbound|9080|v2|{Backend}", v2.Cluster);
        Assert.Equal("api-v2", v2.Route.Name);
        // The delegate's own timeout wins; where it sets none, the root's applies.
        Assert.Equal(TimeSpan.FromSeconds(9), v2.Compiled.Forward!.Timeout);
        Assert.Equal($"outbound|9080|v2|{Backend}", sim.Request("backend:9080", "/api/exact")!.Cluster);
        var rest = sim.Request("backend:9080", "/api/other")!;
        Assert.Equal($"outbound|9080|v1|{Backend}", rest.Cluster);
        Assert.Equal(TimeSpan.FromSeconds(3), rest.Compiled.Forward!.Timeout);
        Assert.Equal("x-root", Assert.Single(rest.Route.RequestHeaders.Set).Key);
        // The delegate's catch-all is narrowed to the root's match: other paths go on to the root's later routes.
        Assert.Equal($"outbound|9080|v1|{Backend}", sim.Request("backend:9080", "/elsewhere")!.Cluster);
        Assert.Empty(sim.Snapshot.DelegationProblems);
    }

    [Fact]
    public void Request_DelegateMatchOutsideTheRoot_DroppedAndReported()
    {
        var sim = Sidecar(Root, """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: api-routes, namespace: default }
            spec:
              http:
              - match: [{ uri: { prefix: /admin } }]
                route: [{ destination: { host: backend, subset: v2 } }]
              - match: [{ uri: { prefix: /api/x }, ignoreUriCase: true }]
                route: [{ destination: { host: backend, subset: v2 } }]
            """);

        Assert.Equal($"outbound|9080|v1|{Backend}", sim.Request("backend:9080", "/admin")!.Cluster);
        Assert.Equal($"outbound|9080|v1|{Backend}", sim.Request("backend:9080", "/api/x")!.Cluster);
        Assert.Collection(sim.Snapshot.DelegationProblems,
            problem => Assert.Equal(("api-routes", "spec.http[0].match"), (problem.Name, problem.FieldPath)),
            problem => Assert.Equal(("api-routes", "spec.http[1].match"), (problem.Name, problem.FieldPath)));
        Assert.Contains("root VirtualService default/root spec.http[0].match", sim.Snapshot.DelegationProblems[0].Reason);
    }

    [Fact]
    public void Request_DelegateMissing_RouteDroppedAndReported()
    {
        var sim = Sidecar(Root);

        Assert.Equal($"outbound|9080|v1|{Backend}", sim.Request("backend:9080", "/api/v2")!.Cluster);
        var problem = Assert.Single(sim.Snapshot.DelegationProblems);
        Assert.Equal(("root", "spec.http[0].delegate"), (problem.Name, problem.FieldPath));
        Assert.Contains("default/api-routes not found", problem.Reason);
    }

    [Fact]
    public void Request_DelegateInAnotherNamespaceNotExportedToTheRoot_Dropped()
    {
        var root = Root.Replace("delegate: { name: api-routes }", "delegate: { name: api-routes, namespace: team }");
        var hidden = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: api-routes, namespace: team }
            spec:
              exportTo: ["."]
              http:
              - route: [{ destination: { host: backend.default.svc.cluster.local, subset: v2 } }]
            """;

        var sim = Sidecar(root, hidden);
        Assert.Equal($"outbound|9080|v1|{Backend}", sim.Request("backend:9080", "/api/v2")!.Cluster);
        Assert.Contains("not exported to namespace default", Assert.Single(sim.Snapshot.DelegationProblems).Reason);

        var exported = Sidecar(root, hidden.Replace("exportTo: [\".\"]", "exportTo: [default]"));
        Assert.Equal($"outbound|9080|v2|{Backend}", exported.Request("backend:9080", "/api/v2")!.Cluster);
    }

    [Fact]
    public void Request_DelegateHeaderMatch_MergedWithTheRootUri()
    {
        var sim = Sidecar(Root, """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: api-routes, namespace: default }
            spec:
              http:
              - match: [{ headers: { end-user: { exact: jason } } }]
                route: [{ destination: { host: backend, subset: v2 } }]
            """);

        Assert.Equal($"outbound|9080|v2|{Backend}", sim.Request("backend:9080", "/api/x", new Dictionary<string, string> { ["end-user"] = "jason" })!.Cluster);
        Assert.Equal($"outbound|9080|v1|{Backend}", sim.Request("backend:9080", "/other", new Dictionary<string, string> { ["end-user"] = "jason" })!.Cluster);
        Assert.Equal($"outbound|9080|v1|{Backend}", sim.Request("backend:9080", "/api/x")!.Cluster);
    }

    [Fact]
    public void Request_GatewayRootDelegatingToAnotherNamespace_RoutesThroughTheGateway()
    {
        // Istio's documented use: the ingress team owns the root, each application team its delegate.
        var sim = Simulation.Router("istio-ingressgateway", "default", DemoYaml.IngressLabels, DemoYaml.Workloads, DemoYaml.BackendSubsets, """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: edge, namespace: default }
            spec:
              selector: { istio: ingressgateway }
              servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: ["*"] }]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: edge, namespace: default }
            spec:
              hosts: [shop.example.com]
              gateways: [edge]
              http:
              - match: [{ uri: { prefix: /backend } }]
                delegate: { name: backend-routes, namespace: team }
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: backend-routes, namespace: team }
            spec:
              http:
              - match: [{ uri: { prefix: /backend/v2 } }]
                route: [{ destination: { host: backend.default.svc.cluster.local, subset: v2 } }]
              - match: [{ uri: { prefix: /backend/reports } }]
                route: [{ destination: { host: reports } }]
              - route: [{ destination: { host: backend.default.svc.cluster.local, subset: v1 } }]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: reports, namespace: team }
            spec:
              hosts: [reports.team.svc.cluster.local]
              location: MESH_INTERNAL
              ports: [{ number: 8080, name: http, protocol: HTTP }]
              resolution: STATIC
              endpoints: [{ address: 127.0.0.9 }]
            """);

        Assert.Equal($"outbound|9080|v2|{Backend}", sim.Request("shop.example.com", "/backend/v2/x", listenerPort: 8080)!.Cluster);
        Assert.Equal($"outbound|9080|v1|{Backend}", sim.Request("shop.example.com", "/backend/other", listenerPort: 8080)!.Cluster);
        // The delegate's short name is its own namespace's service, as Istio resolves it before merging.
        Assert.Equal("outbound|8080||reports.team.svc.cluster.local", sim.Request("shop.example.com", "/backend/reports", listenerPort: 8080)!.Cluster);
        Assert.Null(sim.Request("shop.example.com", "/elsewhere", listenerPort: 8080));
    }

    [Theory]
    [InlineData("gateways: [edge]", "spec.gateways")]
    [InlineData("tcp: [{ route: [{ destination: { host: backend } }] }]", "spec.tcp")]
    public void Load_DelegateWithGatewaysOrTcp_Rejected(string field, string path)
    {
        var result = IstioConfigLoader.LoadText($$"""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: api-routes, namespace: default }
            spec:
              {{field}}
              http:
              - route: [{ destination: { host: backend } }]
            """, "delegate.yaml");

        Assert.Contains(result.Errors, e => e.FieldPath == path && e.Reason.StartsWith("delegate virtual service must have no", StringComparison.Ordinal));
    }
}
