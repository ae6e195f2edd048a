using Mesh.ControlPlane.Translation;
using Mesh.Istio.Networking;
using Xunit;
using IstioStringMatch = Mesh.Istio.StringMatch;

namespace Mesh.ControlPlane.Tests.Translation;

public sealed class RouteMatchTranslatorTests
{
    [Fact]
    public void CatchAll_IsPrefixSlash_OneInstanceForEveryRoute()
    {
        var match = RouteMatchTranslator.CatchAll();

        Assert.Same(match, RouteMatchTranslator.CatchAll());
        AssertCatchAll(match);
    }

    [Fact]
    public void Translate_MatchWithoutUri_HasItsOwnPathAndLeavesTheSharedCatchAllAsItWas()
    {
        var methodOnly = RouteMatchTranslator.Translate(new HttpMatchRequest { Method = new IstioStringMatch(Mesh.Istio.StringMatchType.Exact, "GET") });

        Assert.Equal("/", methodOnly.Path.Prefix);
        Assert.Equal("GET", methodOnly.Method.Exact);
        Assert.NotSame(RouteMatchTranslator.CatchAll().Path, methodOnly.Path);
        AssertCatchAll(RouteMatchTranslator.CatchAll());
    }

    [Fact]
    public void Translation_DefaultRoutesAndMatchedRoutes_ShareOnlyTheUnchangedCatchAll()
    {
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, DemoYaml.BackendSubsets, """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: backend, namespace: default }
            spec:
              hosts: [backend]
              http:
              - match: [{ uri: { prefix: /api }, headers: { end-user: { exact: jason } } }]
                route: [{ destination: { host: backend, subset: v2 } }]
              - route: [{ destination: { host: backend, subset: v1 } }]
            """);

        var matched = sim.Request("backend:9080", "/api", new Dictionary<string, string> { ["end-user"] = "jason" })!.Route;
        Assert.Equal("/api", matched.Match.Path.Prefix);
        Assert.Same(RouteMatchTranslator.CatchAll(), sim.Request("backend:9080", "/")!.Route.Match);
        AssertCatchAll(RouteMatchTranslator.CatchAll());
    }

    private static void AssertCatchAll(Mesh.Contracts.Discovery.RouteMatch match)
    {
        Assert.Equal("/", match.Path.Prefix);
        Assert.False(match.IgnoreUriCase);
        Assert.Null(match.Method);
        Assert.Null(match.Authority);
        Assert.Null(match.Scheme);
        Assert.Empty(match.Headers);
        Assert.Empty(match.QueryParameters);
        Assert.Empty(match.WithoutHeaders);
    }
}
