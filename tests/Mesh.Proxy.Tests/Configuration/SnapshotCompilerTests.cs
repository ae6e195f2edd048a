using Google.Protobuf;
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

    [Theory]
    [InlineData("x-api key", "value", "'x-api key' is not an HTTP header name")]
    [InlineData("x-api-key", "line\r\nX-Injected: 1", "http_headers[x-api-key]: a header value cannot hold a line break")]
    public void Compile_TraceProviderHeaderThatCannotBeSent_RejectsNamingIt(string name, string value, string reason)
    {
        var listener = Listener("gateway", 8080, "http.80");
        var provider = new TraceProvider { Name = "saas", OtlpEndpoint = "http://collector:4318/v1/traces", OtlpOverHttp = true };
        provider.HttpHeaders.Add(name, value);
        listener.Telemetry = new ListenerTelemetry { TraceProvider = provider };

        var error = Assert.Throws<ConfigRejectedException>(() => _compiler.Compile(ProxySnapshot.Empty, Response(TypeUrls.Listener, "1", listener)));

        Assert.Contains("trace_provider", error.Message);
        Assert.Contains(reason, error.Message);
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
    public void Compile_IncrementOnTheHeldVersion_ReplacesAddsAndRemovesByNameAndKeepsTheRest()
    {
        var held = _compiler.Compile(ProxySnapshot.Empty, Response(TypeUrls.Cluster, "v1", Cluster("a"), Cluster("b"), Cluster("c")));
        var increment = Increment(TypeUrls.Cluster, "v2", "v1", ["b"], Cluster("a", UpstreamProtocol.Http2), Cluster("d"));

        var next = _compiler.Compile(held, increment);

        var applied = next.GetApplied(TypeUrls.Cluster);
        Assert.Equal("v2", applied.Version);
        Assert.Equal(["a", "c", "d"], applied.Resources.Select(r => ((Cluster)r).Name));
        Assert.Equal(UpstreamProtocol.Http2, ((Cluster)applied.Resources[0]).Protocol);
        Assert.Same(held.Clusters["c"].Transport, next.Clusters["c"].Transport);
        Assert.False(next.Clusters.ContainsKey("b"));
    }

    [Fact]
    public void Compile_IncrementOnAnotherVersionOrRemovingAnUnknownName_RejectsAndNamesWhy()
    {
        var held = _compiler.Compile(ProxySnapshot.Empty, Response(TypeUrls.Cluster, "v1", Cluster("a")));

        var otherBase = Assert.Throws<ConfigRejectedException>(() => _compiler.Compile(held, Increment(TypeUrls.Cluster, "v3", "v2", [], Cluster("b"))));
        var nothingHeld = Assert.Throws<ConfigRejectedException>(() => _compiler.Compile(ProxySnapshot.Empty, Increment(TypeUrls.Cluster, "v2", "v1", [], Cluster("b"))));
        var unknown = Assert.Throws<ConfigRejectedException>(() => _compiler.Compile(held, Increment(TypeUrls.Cluster, "v2", "v1", ["z"])));

        Assert.Contains("an increment on version 'v2', but this proxy holds version 'v1'", otherBase.Message);
        Assert.Contains("but this proxy holds none", nothingHeld.Message);
        Assert.Contains("removed_resources names 'z'", unknown.Message);
    }

    [Fact]
    public void Compile_RouteConfigurationWithParts_OneTableOfItsPartsAndItsOwnVirtualHosts()
    {
        var whole = Routes("outbound", Host("rest", ["*"], ToCluster("fallthrough")));
        var shop = Routes("outbound/shop", Host("cart", ["cart:80"], ToCluster("cart")));
        shop.PartOf = "outbound";
        var ops = Routes("outbound/ops", Host("metrics", ["metrics:80"], ToCluster("metrics")));
        ops.PartOf = "outbound";

        var snapshot = _compiler.Compile(ProxySnapshot.Empty, Response(TypeUrls.Route, "1", whole, shop, ops));

        var table = Assert.Single(snapshot.RouteTables).Value;
        Assert.Equal("outbound", table.Name);
        Assert.Equal("cart", table.FindVirtualHost("cart:80", isHttps: false)!.Name);
        Assert.Equal("metrics", table.FindVirtualHost("metrics:80", isHttps: false)!.Name);
        Assert.Equal("rest", table.FindVirtualHost("other:80", isHttps: false)!.Name);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("outbound/shop")]
    public void Compile_PartOfNoWholeConfiguration_Rejects(string partOf)
    {
        var whole = Routes("outbound");
        var shop = Routes("outbound/shop", Host("cart", ["cart:80"], ToCluster("cart")));
        shop.PartOf = "outbound";
        var stray = Routes("outbound/stray", Host("x", ["x:80"], ToCluster("x")));
        stray.PartOf = partOf;

        var error = Assert.Throws<ConfigRejectedException>(() => _compiler.Compile(ProxySnapshot.Empty, Response(TypeUrls.Route, "1", whole, shop, stray)));

        Assert.Contains($"'outbound/stray'.part_of: '{partOf}' is not a route configuration of this set that is not itself a part", error.Message);
    }

    private static DiscoveryResponse Increment(string typeUrl, string version, string baseVersion, string[] removed, params IMessage[] changed)
    {
        var response = Response(typeUrl, version, changed);
        response.Incremental = true;
        response.BaseVersion = baseVersion;
        response.RemovedResources.AddRange(removed);
        return response;
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

    [Theory]
    [InlineData("maxConcurrentStreams", false)]
    [InlineData("http2KeepAlive", false)]
    [InlineData("maxConnections", false)]
    [InlineData("http2MaxRequests", true)]   // a circuit-breaker threshold: counted per request, not a handler setting
    public void Compile_ConnectionPoolChanges_NewPoolOnlyWhenAConnectionOptionChanged(string field, bool kept)
    {
        var pool = new ConnectionPool { MaxConcurrentStreams = 10, Http2Keepalive = new Http2Keepalive { IntervalMs = 5_000 }, MaxConnections = 10, MaxRequests = 10 };
        var changed = pool.Clone();
        switch (field)
        {
            case "maxConcurrentStreams": changed.MaxConcurrentStreams = 1; break;
            case "http2KeepAlive": changed.Http2Keepalive.IntervalMs = 1_000; break;
            case "maxConnections": changed.MaxConnections = 1; break;
            default: changed.MaxRequests = 1; break;
        }

        var first = _compiler.Compile(ProxySnapshot.Empty, Response(TypeUrls.Cluster, "1", WithPool(Cluster("a", UpstreamProtocol.Http2), pool)));
        var second = _compiler.Compile(first, Response(TypeUrls.Cluster, "2", WithPool(Cluster("a", UpstreamProtocol.Http2), changed)));

        Assert.Equal(kept, ReferenceEquals(first.Clusters["a"].Transport, second.Clusters["a"].Transport));
    }

    private static Cluster WithPool(Cluster cluster, ConnectionPool pool)
    {
        cluster.ConnectionPool = pool;
        return cluster;
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
