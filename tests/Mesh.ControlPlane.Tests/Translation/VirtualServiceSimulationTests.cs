using Mesh.Contracts.Discovery;
using static Mesh.ControlPlane.Tests.Istio.VirtualServiceYaml;

namespace Mesh.ControlPlane.Tests.Translation;

public sealed class VirtualServiceSimulationTests
{
    private const string Backend = "backend.default.svc.cluster.local";

    private static Simulation Sidecar(string workload, string virtualService) =>
        Simulation.Sidecar(workload, "default", DemoYaml.Workloads, DemoYaml.BackendSubsets, virtualService);

    [Fact]
    public void Request_FirstMatchWins_AndNothingAfterCatchAll()
    {
        var sim = Sidecar("frontend-v1", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: backend, namespace: default }
            spec:
              hosts: [backend]
              http:
              - match: [{ uri: { prefix: /api } }, { uri: { exact: /v2 } }]
                route: [{ destination: { host: backend, subset: v2 } }]
              - route: [{ destination: { host: backend, subset: v1 } }]
              - match: [{ uri: { prefix: /never } }]
                route: [{ destination: { host: backend, subset: v2 } }]
            """);

        Assert.Equal($"outbound|9080|v2|{Backend}", sim.Request("backend:9080", "/api/x")!.Cluster);
        Assert.Equal($"outbound|9080|v2|{Backend}", sim.Request("backend:9080", "/v2")!.Cluster);
        Assert.Equal($"outbound|9080|v1|{Backend}", sim.Request("backend:9080", "/never")!.Cluster);
        var routes = sim.VirtualHost("outbound", $"{Backend}:9080").Routes;
        Assert.Equal(["backend.default.0", "backend.default.0", "backend.default.1"], routes.Select(r => r.Name));
        Assert.Equal([0, 1, 0], routes.Select(r => r.Origin.MatchIndex));
    }

    [Fact]
    public void Request_SourceLabels_ApplyOnlyToMatchingProxies()
    {
        const string vs = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: backend, namespace: default }
            spec:
              hosts: [backend.default.svc.cluster.local]
              http:
              - match: [{ sourceLabels: { app: frontend } }]
                route: [{ destination: { host: backend, subset: v2 } }]
              - route: [{ destination: { host: backend, subset: v1 } }]
            """;

        Assert.Equal($"outbound|9080|v2|{Backend}", Sidecar("frontend-v1", vs).Request("backend:9080")!.Cluster);
        Assert.Equal($"outbound|9080|v1|{Backend}", Sidecar("backend-v1", vs).Request("backend.default:9080")!.Cluster);
    }

    [Fact]
    public void Request_RetriesAndTimeout_TranslateAsIstio()
    {
        var sim = Sidecar("frontend-v1", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: backend, namespace: default }
            spec:
              hosts: [backend]
              http:
              - match: [{ uri: { prefix: /none } }]
                retries: { attempts: 0 }
                route: [{ destination: { host: backend } }]
              - timeout: 10s
                retries: { attempts: 3, perTryTimeout: 2s, retryOn: "5xx, gateway-error,503" }
                route: [{ destination: { host: backend } }]
            """);

        Assert.Null(sim.Request("backend:9080", "/none")!.Route.Route_.RetryPolicy);
        var action = sim.Request("backend:9080", "/")!.Route.Route_;
        Assert.Equal(10_000u, action.TimeoutMs);
        Assert.Equal(3u, action.RetryPolicy.NumRetries);
        Assert.Equal(2_000u, action.RetryPolicy.PerTryTimeoutMs);
        Assert.Equal(["5xx", "gateway-error", "retriable-status-codes"], action.RetryPolicy.RetryOn);
        Assert.Equal([503u], action.RetryPolicy.RetriableStatusCodes);
        Assert.Equal($"outbound|9080||{Backend}", sim.Request("backend:9080", "/")!.Cluster);
    }

    [Fact]
    public void Request_AttemptsWithoutRetryOn_KeepsIstioDefaultConditions()
    {
        var sim = Sidecar("frontend-v1", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: backend, namespace: default }
            spec:
              hosts: [backend]
              http:
              - retries: { attempts: 5 }
                route: [{ destination: { host: backend } }]
            """);

        var retry = sim.Request("backend:9080")!.Route.Route_.RetryPolicy;

        Assert.Equal(5u, retry.NumRetries);
        Assert.Contains("retriable-status-codes", retry.RetryOn);
        Assert.Equal([503u], retry.RetriableStatusCodes);
    }

    [Theory]
    [InlineData("{ abort: { httpStatus: 500, percentage: { value: 100 } } }", 0u, 0.0, 100.0, 500u, false, 0u)]
    [InlineData("{ abort: { grpcStatus: UNAVAILABLE, percentage: { value: 25.5 } } }", 0u, 0.0, 25.5, 0u, true, 14u)]
    [InlineData("{ delay: { fixedDelay: 2s, percentage: { value: 50 } } }", 2000u, 50.0, 0.0, 0u, false, 0u)]
    [InlineData("{ delay: { fixedDelay: 7s, percent: 10 } }", 7000u, 10.0, 0.0, 0u, false, 0u)]
    public void Request_Fault_TranslatesAsIstio(string fault, uint delayMs, double delayPercent, double abortPercent, uint httpStatus, bool grpc, uint grpcStatus)
    {
        var sim = Sidecar("frontend-v1", BackendRoute($"fault: {fault}"));

        var translated = sim.Request("backend:9080")!.Route.Route_.Fault;

        Assert.Equal((delayMs, delayPercent, abortPercent, httpStatus, grpc, grpcStatus),
            (translated.DelayMs, translated.DelayPercent, translated.AbortPercent, translated.AbortHttpStatus, translated.AbortGrpc, translated.AbortGrpcStatus));
    }

    [Fact]
    public void Request_FaultWithoutPercentage_InjectsNothing()
    {
        // Istio: "If not specified, no request will be aborted" (Envoy reads an unset percentage as 0%).
        var sim = Sidecar("frontend-v1", BackendRoute("fault: { abort: { httpStatus: 500 } }"));

        Assert.Null(sim.Request("backend:9080")!.Route.Route_.Fault);
    }

    [Fact]
    public void Request_FaultWithRetriesAndTimeout_KeepsBoth()
    {
        // Istio's pilot keeps a faulted route's retry policy and timeout; its note that they "will not be enabled" is
        // about the injected faults, which the fault filter applies before the router retries or times anything.
        var sim = Sidecar("frontend-v1", BackendRoute(
            "fault: { delay: { fixedDelay: 1s, percentage: { value: 10 } } }\n    timeout: 3s\n    retries: { attempts: 4, retryOn: 5xx }"));

        var action = sim.Request("backend:9080")!.Route.Route_;

        Assert.NotNull(action.Fault);
        Assert.Equal(3000u, action.TimeoutMs);
        Assert.Equal(4u, action.RetryPolicy.NumRetries);
        Assert.Equal(["5xx"], action.RetryPolicy.RetryOn);
    }

    [Theory]
    [InlineData("{ attempts: 2 }", 0u)]
    [InlineData("{ attempts: 2, backoff: 100ms }", 100u)]
    public void Request_RetryBackoff_BaseIntervalOfEnvoysBackOff(string retries, uint expectedMilliseconds)
    {
        // Istio: retries.backoff is Envoy's retry_back_off.base_interval; unset, Envoy's 25 ms (0 on the wire).
        var sim = Sidecar("frontend-v1", BackendRoute($"retries: {retries}"));

        Assert.Equal(expectedMilliseconds, sim.Request("backend:9080")!.Route.Route_.RetryPolicy.BackoffBaseIntervalMs);
    }

    [Theory]
    [InlineData("{ attempts: 2 }", true)]
    [InlineData("{ attempts: 2, retryIgnorePreviousHosts: true }", true)]
    [InlineData("{ attempts: 2, retryIgnorePreviousHosts: false }", false)]
    public void Request_RetryIgnorePreviousHosts_TrueUnlessSetFalse(string retries, bool expected)
    {
        // Istio's default: a retry goes to another host than the attempts before it (Envoy's previous_hosts).
        var sim = Sidecar("frontend-v1", BackendRoute($"retries: {retries}"));

        Assert.Equal(expected, sim.Request("backend:9080")!.Route.Route_.RetryPolicy.IgnorePreviousHosts);
    }

    [Fact]
    public void Request_RewriteRedirectDirectResponse_Translate()
    {
        var sim = Sidecar("frontend-v1", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: backend, namespace: default }
            spec:
              hosts: [backend]
              http:
              - match: [{ uri: { prefix: /old } }]
                redirect: { uri: /new, authority: example.com }
              - match: [{ uri: { exact: /teapot } }]
                directResponse: { status: 418, body: { string: short and stout } }
              - match: [{ uri: { prefix: /v1 } }]
                rewrite: { uri: /, authority: backend-internal }
                headers:
                  request: { set: { x-b: "2", x-a: "1" }, remove: [cookie] }
                route:
                - destination: { host: backend }
                  headers: { response: { add: { x-served-by: backend } } }
            """);

        var redirect = sim.Request("backend:9080", "/old/page")!.Route.Redirect;
        Assert.Equal(("/new", "example.com", 301u), (redirect.PathRedirect, redirect.HostRedirect, redirect.ResponseCode));
        var direct = sim.Request("backend:9080", "/teapot")!.Route.DirectResponse;
        Assert.Equal((418u, "short and stout"), (direct.Status, direct.Body));
        var rewritten = sim.Request("backend:9080", "/v1/items")!.Route;
        Assert.Equal(("/", "backend-internal"), (rewritten.Route_.PrefixRewrite, rewritten.Route_.HostRewrite));
        Assert.Equal(["x-a", "x-b"], rewritten.RequestHeaders.Set.Keys);
        Assert.Equal(["cookie"], rewritten.RequestHeaders.Remove);
        Assert.Equal("backend", rewritten.Route_.Clusters[0].ResponseHeaders.Add["x-served-by"]);
    }

    [Theory]
    [InlineData("derivePort: FROM_REQUEST_PORT", 9080u)]     // the port the routes are for, as Istio writes it
    [InlineData("derivePort: FROM_PROTOCOL_DEFAULT", 0u)]   // none: the request's authority, as Envoy keeps it
    [InlineData("port: 8443", 8443u)]
    public void Request_RedirectPort_FromThePortOrTheListener(string port, uint expected)
    {
        var sim = Sidecar("frontend-v1", $$"""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: backend, namespace: default }
            spec:
              hosts: [backend]
              http:
              - redirect: { scheme: https, {{port}} }
            """);

        Assert.Equal(expected, sim.Request("backend:9080")!.Route.Redirect.PortRedirect);
    }

    [Fact]
    public void Generate_VirtualServiceBoundToGatewayOnly_LeavesSidecarsTheDefaultRoute()
    {
        var sim = Sidecar("frontend-v1", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: backend, namespace: default }
            spec:
              hosts: [backend]
              gateways: [some-gateway]
              http:
              - route: [{ destination: { host: backend, subset: v2 } }]
            """);

        var outcome = sim.Request("backend:9080")!;

        Assert.Equal("default", outcome.Route.Name);
        Assert.Equal($"outbound|9080||{Backend}", outcome.Cluster);
    }

    [Fact]
    public void Generate_MatchLevelGateways_FilterRoutesPerProxy()
    {
        var sim = Sidecar("frontend-v1", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: backend, namespace: default }
            spec:
              hosts: [backend]
              gateways: [mesh, default/edge]
              http:
              - match: [{ gateways: [edge] }]
                route: [{ destination: { host: backend, subset: v2 } }]
              - match: [{ gateways: [mesh] }]
                route: [{ destination: { host: backend, subset: v1 } }]
            """);

        Assert.Equal($"outbound|9080|v1|{Backend}", sim.Request("backend:9080")!.Cluster);
        Assert.Single(sim.VirtualHost("outbound", $"{Backend}:9080").Routes);
    }

    [Fact]
    public void Generate_WeightedDestinationWithZeroWeight_GetsNoCluster()
    {
        var sim = Sidecar("frontend-v1", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: backend, namespace: default }
            spec:
              hosts: [backend]
              http:
              - route:
                - { destination: { host: backend, subset: v1 }, weight: 100 }
                - { destination: { host: backend, subset: v2 }, weight: 0 }
            """);

        Assert.Equal([($"outbound|9080|v1|{Backend}", 100u)], sim.Request("backend:9080")!.Clusters);
    }
}
