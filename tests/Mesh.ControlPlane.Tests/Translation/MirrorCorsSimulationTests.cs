using static Mesh.ControlPlane.Tests.Istio.VirtualServiceYaml;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>HTTPRoute mirror, mirrors and corsPolicy: YAML in, what the proxy compiles out, with Istio's defaults.</summary>
public sealed class MirrorCorsSimulationTests
{
    private const string Backend = "backend.default.svc.cluster.local";

    private static Simulation Sidecar(string virtualService) =>
        Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, DemoYaml.BackendSubsets, virtualService);

    [Theory]
    [InlineData("mirror: { host: backend, subset: v2 }", 100.0)]
    [InlineData("mirror: { host: backend, subset: v2 }\n    mirrorPercentage: { value: 12.5 }", 12.5)]
    [InlineData("mirror: { host: backend, subset: v2 }\n    mirrorPercent: 40", 40.0)]
    [InlineData("mirrors: [{ destination: { host: backend, subset: v2 } }]", 100.0)]
    [InlineData("mirrors: [{ destination: { host: backend, subset: v2 }, percentage: { value: 5 } }]", 5.0)]
    public void Request_Mirror_ToTheSubsetClusterWithIstiosShare(string field, double percent)
    {
        var sim = Sidecar(BackendRoute(field));

        var outcome = sim.Request("backend:9080")!;

        var mirror = Assert.Single(outcome.Compiled.Forward!.Mirrors!);
        Assert.Equal(($"outbound|9080|v2|{Backend}", percent), (mirror.Cluster, mirror.Percent));
        // The mirror's cluster is pushed to the proxy like any route destination's.
        Assert.Equal($"outbound|9080|v2|{Backend}", sim.Cluster(mirror.Cluster).Name);
    }

    [Theory]
    [InlineData("mirror: { host: backend }\n    mirrorPercentage: { value: 0 }")]
    [InlineData("mirrors: [{ destination: { host: backend }, percentage: { value: 0 } }]")]
    public void Request_MirrorAtZeroPercent_MirrorsNothing(string field)
    {
        var sim = Sidecar(BackendRoute(field));

        Assert.Null(sim.Request("backend:9080")!.Compiled.Forward!.Mirrors);
    }

    [Fact]
    public void Request_NoMirrorNoCors_RoutePaysNothing()
    {
        var forward = Sidecar(BackendRoute("name: plain")).Request("backend:9080")!.Compiled.Forward!;

        Assert.Null(forward.Mirrors);
        Assert.Null(forward.Cors);
    }

    [Fact]
    public void Request_CorsPolicy_TranslatedAsIstioForEnvoy()
    {
        var sim = Sidecar(BackendRoute("""
            corsPolicy:
                  allowOrigins: [{ exact: "https://a.example.com" }, { prefix: "https://dev." }, { regex: "https://.*\\.example\\.io" }]
                  allowMethods: [GET, POST]
                  allowHeaders: [x-token, content-type]
                  exposeHeaders: [x-trace]
                  maxAge: 24h
                  allowCredentials: true
                  unmatchedPreflights: IGNORE
            """));

        var outcome = sim.Request("backend:9080")!;

        var pushed = outcome.Route.Route_.Cors;
        Assert.Equal(("GET,POST", "x-token,content-type", "x-trace", "86400", true, false),
            (pushed.AllowMethods, pushed.AllowHeaders, pushed.ExposeHeaders, pushed.MaxAge, pushed.AllowCredentials, pushed.ForwardNotMatchingPreflights));
        var cors = outcome.Compiled.Forward!.Cors!;
        Assert.True(cors.AllowsOrigin("https://a.example.com"));
        Assert.True(cors.AllowsOrigin("https://dev.example.org"));
        Assert.True(cors.AllowsOrigin("https://x.example.io"));
        Assert.False(cors.AllowsOrigin("https://a.example.com.evil"));
        Assert.False(cors.AllowsOrigin("https://example.io"));
    }

    [Fact]
    public void Request_CorsDefaults_ForwardUnmatchedPreflightsAndNoCredentials()
    {
        var cors = Sidecar(BackendRoute("corsPolicy: { allowOrigin: [\"https://old.example.com\"] }")).Request("backend:9080")!.Compiled.Forward!.Cors!;

        Assert.True(cors.ForwardNotMatchingPreflights);
        Assert.False(cors.AllowCredentials);
        Assert.Null(cors.AllowMethods);
        Assert.Null(cors.MaxAge);
        Assert.True(cors.AllowsOrigin("https://old.example.com"));
        Assert.False(cors.AllowsOrigin("https://old.example.com:8443"));
    }

    [Fact]
    public void Request_CorsWildcardOrigin_AllowsEveryOrigin()
    {
        var cors = Sidecar(BackendRoute("corsPolicy: { allowOrigins: [{ exact: \"*\" }] }")).Request("backend:9080")!.Compiled.Forward!.Cors!;

        Assert.True(cors.AllowsOrigin("https://anything.example"));
    }
}
