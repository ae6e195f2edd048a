using Mesh.Contracts.Discovery;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Tests.Routing;

public sealed class RouteTableSimulationTests
{
    private static RouteSimulation Single(params Route[] routes) =>
        new(Routes("outbound", Host("backend:9080", ["backend:9080", "backend.default.svc.cluster.local:9080"], routes)));

    [Fact]
    public void FindRoute_ExactPath_MatchesOnlyThatPath()
    {
        var sim = Single(ToCluster("exact", new RouteMatch { Path = Exact("/api") }));

        Assert.Equal("exact", sim.Get("http://backend:9080/api"));
        Assert.Equal(RouteSimulation.NoRoute, sim.Get("http://backend:9080/api/x"));
    }

    [Fact]
    public void FindRoute_PrefixAndRegexPaths_MatchAsEnvoyDoes()
    {
        var sim = Single(
            ToCluster("regex", new RouteMatch { Path = Regex("/items/[0-9]+") }),
            ToCluster("prefix", new RouteMatch { Path = Prefix("/items") }));

        Assert.Equal("regex", sim.Get("http://backend:9080/items/42"));
        // Regexes are anchored: a partial match does not count.
        Assert.Equal("prefix", sim.Get("http://backend:9080/items/42x"));
        Assert.Equal("prefix", sim.Get("http://backend:9080/itemsfoo"));
        Assert.Equal(RouteSimulation.NoRoute, sim.Get("http://backend:9080/other"));
    }

    [Fact]
    public void FindRoute_IgnoreUriCase_MatchesPathCaseInsensitively()
    {
        var sim = Single(
            ToCluster("insensitive", new RouteMatch { Path = Prefix("/API"), IgnoreUriCase = true }),
            ToCluster("regex", new RouteMatch { Path = Regex("/v[0-9]"), IgnoreUriCase = true }));

        Assert.Equal("insensitive", sim.Get("http://backend:9080/api/users"));
        Assert.Equal("regex", sim.Get("http://backend:9080/V2"));
    }

    [Fact]
    public void FindRoute_FirstMatchWins_EvenWhenALaterRouteIsMoreSpecific()
    {
        var sim = Single(
            ToCluster("first", new RouteMatch { Path = Prefix("/") }),
            ToCluster("second", new RouteMatch { Path = Exact("/specific") }));

        Assert.Equal("first", sim.Get("http://backend:9080/specific"));
    }

    [Fact]
    public void FindRoute_HeaderMatchers_ExactPrefixRegexAndPresent()
    {
        var sim = Single(
            ToCluster("exact", new RouteMatch { Headers = { new HeaderMatcher { Name = "end-user", Match = Exact("jason") } } }),
            ToCluster("prefix", new RouteMatch { Headers = { new HeaderMatcher { Name = "x-team", Match = Prefix("blue") } } }),
            ToCluster("regex", new RouteMatch { Headers = { new HeaderMatcher { Name = "x-version", Match = Regex("v[12]") } } }),
            ToCluster("present", new RouteMatch { Headers = { new HeaderMatcher { Name = "x-debug" } } }),
            ToCluster("fallback"));

        Assert.Equal("exact", sim.Get("http://backend:9080/", ("end-user", "jason")));
        Assert.Equal("fallback", sim.Get("http://backend:9080/", ("end-user", "Jason")));
        Assert.Equal("prefix", sim.Get("http://backend:9080/", ("x-team", "blue-green")));
        Assert.Equal("regex", sim.Get("http://backend:9080/", ("x-version", "v2")));
        Assert.Equal("fallback", sim.Get("http://backend:9080/", ("x-version", "v3")));
        Assert.Equal("present", sim.Get("http://backend:9080/", ("x-debug", "on")));
        Assert.Equal("fallback", sim.Get("http://backend:9080/"));
    }

    [Fact]
    public void FindRoute_MethodAuthorityAndScheme_AllMustHold()
    {
        var sim = Single(
            ToCluster("post", new RouteMatch { Method = Exact("POST"), Scheme = Exact("http"), Authority = Exact("backend:9080") }),
            ToCluster("other"));

        Assert.Equal("post", sim.Send("POST", "http://backend:9080/"));
        Assert.Equal("other", sim.Send("GET", "http://backend:9080/"));
        Assert.Equal("other", sim.Send("POST", "http://backend.default.svc.cluster.local:9080/x"));
    }

    [Fact]
    public void FindRoute_QueryParameters_PresentAndValue()
    {
        var sim = Single(
            ToCluster("debug", new RouteMatch { QueryParameters = { new QueryParameterMatcher { Name = "debug" } } }),
            ToCluster("beta", new RouteMatch { QueryParameters = { new QueryParameterMatcher { Name = "channel", Match = Exact("beta") } } }),
            ToCluster("stable"));

        Assert.Equal("debug", sim.Get("http://backend:9080/x?debug"));
        Assert.Equal("beta", sim.Get("http://backend:9080/x?channel=beta"));
        Assert.Equal("stable", sim.Get("http://backend:9080/x?channel=stable"));
    }

    [Fact]
    public void FindRoute_WithoutHeaders_ExcludesRequestsThatCarryThem()
    {
        var sim = Single(
            ToCluster("no-canary", new RouteMatch { WithoutHeaders = { new HeaderMatcher { Name = "x-canary", Match = Exact("true") } } }),
            ToCluster("canary"));

        Assert.Equal("no-canary", sim.Get("http://backend:9080/"));
        Assert.Equal("no-canary", sim.Get("http://backend:9080/", ("x-canary", "false")));
        Assert.Equal("canary", sim.Get("http://backend:9080/", ("x-canary", "true")));
    }

    [Fact]
    public void FindVirtualHost_DomainOrder_ExactThenAnyPortThenLongestWildcardThenCatchAll()
    {
        var sim = new RouteSimulation(Routes(
            "http.80",
            Host("catch-all", ["*"], ToCluster("catch-all")),
            Host("wild-short", ["*.com:*"], ToCluster("wild-short")),
            Host("wild-long-any", ["*.example.com:*"], ToCluster("wild-long-any")),
            Host("wild-long-80", ["*.example.com:80"], ToCluster("wild-long-80")),
            Host("any-port", ["api.example.com:*"], ToCluster("any-port")),
            Host("exact", ["api.example.com:8080"], ToCluster("exact"))));

        Assert.Equal("exact", sim.Get("http://api.example.com:8080/"));
        Assert.Equal("exact", sim.Get("http://API.Example.com:8080/"));
        Assert.Equal("any-port", sim.Get("http://api.example.com:9999/"));
        // No port means port 80.
        Assert.Equal("wild-long-80", sim.Get("http://www.example.com/"));
        Assert.Equal("wild-long-any", sim.Get("http://www.example.com:81/"));
        Assert.Equal("wild-short", sim.Get("http://other.com:81/"));
        Assert.Equal("catch-all", sim.Get("http://example.org/"));
    }

    [Fact]
    public void FindVirtualHost_NoDomainMatchesAndNoCatchAll_IsNoRoute()
    {
        var sim = Single(ToCluster("backend"));

        Assert.Equal(RouteSimulation.NoRoute, sim.Get("http://backend:9081/"));
        Assert.Equal(RouteSimulation.NoRoute, sim.Get("http://frontend:9080/"));
    }

    [Fact]
    public void PickCluster_WeightedSplit_FollowsWeightsWithinTolerance()
    {
        var sim = Single(Forward(new RouteAction(), null, "split", ("v1", 80), ("v2", 20)));

        var v1 = 0;
        const int Requests = 10_000;
        for (var i = 0; i < Requests; i++)
        {
            if (sim.Get("http://backend:9080/") == "v1")
            {
                v1++;
            }
        }

        Assert.InRange(v1, 7_700, 8_300);
    }

    [Fact]
    public void PickCluster_ZeroWeightBackend_NeverChosen()
    {
        var sim = Single(Forward(new RouteAction(), null, "split", ("v1", 100), ("v2", 0)));

        for (var i = 0; i < 1_000; i++)
        {
            Assert.Equal("v1", sim.Get("http://backend:9080/"));
        }
    }
}
