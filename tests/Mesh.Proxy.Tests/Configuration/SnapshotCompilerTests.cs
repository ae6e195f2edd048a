using Mesh.Contracts.Discovery;
using Mesh.Proxy.Configuration;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Tests.Configuration;

public sealed class SnapshotCompilerTests
{
    private readonly SnapshotCompiler _compiler = new(new ClusterCompiler(TimeProvider.System));

    [Fact]
    public void Compile_BadRouteRegex_RejectsWithFieldPath()
    {
        var routes = Routes("outbound", Host("backend:9080", ["backend:9080"], ToCluster("b", new RouteMatch { Path = Regex("/items/(") })));

        var error = Assert.Throws<ConfigRejectedException>(() => _compiler.Compile(ProxySnapshot.Empty, Response(TypeUrls.Route, "7", routes)));

        Assert.Contains("rds v7", error.Message);
        Assert.Contains("'outbound'", error.Message);
        Assert.Contains("virtual_hosts[0]", error.Message);
        Assert.Contains("routes[0].match.path.regex", error.Message);
    }

    [Fact]
    public void Compile_WeightsSumToZero_Rejects()
    {
        var routes = Routes("outbound", Host("b", ["b:80"], Forward(new RouteAction(), null, "r", ("b", 0))));

        var error = Assert.Throws<ConfigRejectedException>(() => _compiler.Compile(ProxySnapshot.Empty, Response(TypeUrls.Route, "1", routes)));

        Assert.Contains("weights sum to 0", error.Message);
    }

    [Fact]
    public void Compile_DuplicateDomainOrClusterOrListener_Rejects()
    {
        var routes = Routes("outbound", Host("a", ["b:80"], ToCluster("a")), Host("b", ["b:80"], ToCluster("b")));
        Assert.Contains("duplicate domain", Assert.Throws<ConfigRejectedException>(() => _compiler.Compile(ProxySnapshot.Empty, Response(TypeUrls.Route, "1", routes))).Message);

        var clusters = Response(TypeUrls.Cluster, "1", Cluster("a"), Cluster("a"));
        Assert.Contains("duplicate cluster", Assert.Throws<ConfigRejectedException>(() => _compiler.Compile(ProxySnapshot.Empty, clusters)).Message);

        var listeners = Response(TypeUrls.Listener, "1", Listener("x", 15001, "outbound"), Listener("x", 15002, "outbound"));
        Assert.Contains("unique", Assert.Throws<ConfigRejectedException>(() => _compiler.Compile(ProxySnapshot.Empty, listeners)).Message);
    }

    [Fact]
    public void Compile_UnknownListenerAddress_Rejects()
    {
        var listener = Listener("virtualOutbound", 15001, "outbound");
        listener.Address = "not-an-address";

        var error = Assert.Throws<ConfigRejectedException>(() => _compiler.Compile(ProxySnapshot.Empty, Response(TypeUrls.Listener, "1", listener)));

        Assert.Contains("unknown listener address 'not-an-address'", error.Message);
    }

    [Fact]
    public void Compile_EndpointsChangeOnly_ReusesTheClusterConnectionPool()
    {
        var withClusters = _compiler.Compile(ProxySnapshot.Empty, Response(TypeUrls.Cluster, "1", Cluster("a"), Cluster("b")));
        var withEndpoints = _compiler.Compile(withClusters, Response(TypeUrls.Endpoints, "1", Endpoints("a", 1000, 1001)));

        Assert.Same(withClusters.Clusters["a"].Transport, withEndpoints.Clusters["a"].Transport);
        Assert.Equal(2, withEndpoints.Clusters["a"].Endpoints.Length);
        Assert.Empty(withEndpoints.Clusters["b"].Endpoints);
    }

    [Fact]
    public void Compile_ClusterProtocolChanges_GetsANewPoolAndTheOldOneIsUnused()
    {
        var first = _compiler.Compile(ProxySnapshot.Empty, Response(TypeUrls.Cluster, "1", Cluster("a"), Cluster("b")));
        var second = _compiler.Compile(first, Response(TypeUrls.Cluster, "2", Cluster("a", UpstreamProtocol.Http2), Cluster("b")));

        Assert.NotSame(first.Clusters["a"].Transport, second.Clusters["a"].Transport);
        Assert.Same(first.Clusters["b"].Transport, second.Clusters["b"].Transport);
        Assert.Equal([first.Clusters["a"].Transport], ClusterCompiler.FindUnused(first.Clusters, second.Clusters));
    }

    [Fact]
    public void Compile_TracksVersionAndNonceAndReadiness()
    {
        var snapshot = ProxySnapshot.Empty;
        foreach (var response in new[]
        {
            Response(TypeUrls.Cluster, "c1"),
            Response(TypeUrls.Endpoints, "e1"),
            Response(TypeUrls.Listener, "l1"),
        })
        {
            snapshot = _compiler.Compile(snapshot, response);
            Assert.False(snapshot.IsComplete);
        }

        var routes = Response(TypeUrls.Route, "r1");
        snapshot = _compiler.Compile(snapshot, routes);

        Assert.True(snapshot.IsComplete);
        Assert.Equal("r1", snapshot.GetApplied(TypeUrls.Route).Version);
        Assert.Equal(routes.Nonce, snapshot.GetApplied(TypeUrls.Route).Nonce);
    }
}
