using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Forwarding.LoadBalancing;
using Mesh.Proxy.Model;
using Microsoft.AspNetCore.Http;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// DestinationRule loadBalancer, YAML in: the cluster the control plane pushes, then the proxy's own compiled cluster
/// and picker. Same key, same endpoint; keys spread; removing an endpoint moves only its keys.
/// </summary>
public sealed class LoadBalancerSimulationTests
{
    private const string Cluster = "outbound|9080||backend.default.svc.cluster.local";
    private const int Keys = 400;

    [Fact]
    public void ConsistentHash_Header_IsPushedAsARingOfEnvoysDefaultSize()
    {
        var sim = Sidecar(Rule("consistentHash: { httpHeaderName: X-User }"));

        var hash = sim.Cluster(Cluster).ConsistentHash;
        Assert.Equal("x-user", hash.HeaderName);
        Assert.Equal(HashTable.RingHash, hash.Table);
        Assert.Equal(1024UL, hash.MinimumRingSize);
    }

    [Theory]
    [InlineData("consistentHash: { httpHeaderName: x-user, ringHash: { minimumRingSize: 4096 } }", HashTable.RingHash, 4096UL, 0UL)]
    [InlineData("consistentHash: { httpHeaderName: x-user, minimumRingSize: 2048 }", HashTable.RingHash, 2048UL, 0UL)]
    [InlineData("consistentHash: { httpHeaderName: x-user, maglev: { tableSize: 251 } }", HashTable.Maglev, 0UL, 251UL)]
    public void ConsistentHash_TableSettings_AreKept(string loadBalancer, HashTable table, ulong ringSize, ulong tableSize)
    {
        var hash = Sidecar(Rule(loadBalancer)).Cluster(Cluster).ConsistentHash;

        Assert.Equal(table, hash.Table);
        Assert.Equal(ringSize, hash.MinimumRingSize);
        Assert.Equal(tableSize, hash.TableSize);
    }

    [Fact]
    public void ConsistentHash_Cookie_KeepsTtlPathAndAttributes()
    {
        var sim = Sidecar(Rule("consistentHash: { httpCookie: { name: session, path: /app, ttl: 90s, attributes: [{ name: SameSite, value: Strict }, { name: Secure }] } }"));

        var cookie = sim.Cluster(Cluster).ConsistentHash.Cookie;
        Assert.Equal("session", cookie.Name);
        Assert.Equal("/app", cookie.Path);
        Assert.True(cookie.Generate);
        Assert.Equal(90UL, cookie.TtlSeconds);
        Assert.Equal(["SameSite=Strict", "Secure="], cookie.Attributes.Select(a => $"{a.Name}={a.Value}"));
    }

    [Fact]
    public void SubsetAndPortLevelPolicies_OverrideTheTopLevel()
    {
        var sim = Sidecar($$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: backend, namespace: default }
            spec:
              host: backend
              trafficPolicy:
                loadBalancer: { simple: RANDOM }
                portLevelSettings:
                - port: { number: 9080 }
                  loadBalancer: { consistentHash: { useSourceIp: true } }
              subsets:
              - name: v1
                labels: { version: v1 }
                trafficPolicy: { loadBalancer: { consistentHash: { httpQueryParameterName: user, maglev: { tableSize: 65537 } } } }
              - name: v2
                labels: { version: v2 }
            """);

        Assert.True(sim.Cluster(Cluster).ConsistentHash.SourceIp);
        Assert.Equal("user", sim.Cluster("outbound|9080|v1|backend.default.svc.cluster.local").ConsistentHash.QueryParameter);
        Assert.Equal(HashTable.Maglev, sim.Cluster("outbound|9080|v1|backend.default.svc.cluster.local").ConsistentHash.Table);
        Assert.True(sim.Cluster("outbound|9080|v2|backend.default.svc.cluster.local").ConsistentHash.SourceIp);
    }

    [Theory]
    [InlineData("{ httpHeaderName: x-user }")]
    [InlineData("{ httpHeaderName: x-user, maglev: { tableSize: 65537 } }")]
    public void ConsistentHash_SameHeader_SameEndpoint_AndKeysSpreadOverEndpoints(string hash)
    {
        var cluster = Sidecar(Rule($"consistentHash: {hash}"), backends: 8).CompiledCluster(Cluster);

        var chosen = new HashSet<EndpointModel>();
        for (var key = 0; key < Keys; key++)
        {
            var first = Pick(cluster, Request(headers: ("x-user", $"user-{key}")));
            for (var again = 0; again < 5; again++)
            {
                Assert.Same(first, Pick(cluster, Request(headers: ("x-user", $"user-{key}"))));
            }

            chosen.Add(first!);
        }

        Assert.Equal(8, chosen.Count);
    }

    [Fact]
    public void ConsistentHash_CookieQueryAndSourceIp_PinEachKey()
    {
        var byCookie = Sidecar(Rule("consistentHash: { httpCookie: { name: session } }"), backends: 6).CompiledCluster(Cluster);
        var byQuery = Sidecar(Rule("consistentHash: { httpQueryParameterName: user }"), backends: 6).CompiledCluster(Cluster);
        var bySource = Sidecar(Rule("consistentHash: { useSourceIp: true }"), backends: 6).CompiledCluster(Cluster);

        foreach (var (cluster, request) in new (ClusterModel, Func<int, HttpContext>)[]
        {
            (byCookie, key => Request(headers: ("cookie", $"theme=dark; session=\"s{key}\"; lang=en"))),
            (byQuery, key => Request(query: $"?a=1&user=u{key}&b=2")),
            (bySource, key => Request(source: IPAddress.Parse($"10.1.{key / 250}.{key % 250}"))),
        })
        {
            var chosen = new HashSet<EndpointModel>();
            for (var key = 0; key < Keys; key++)
            {
                var first = Pick(cluster, request(key));
                Assert.Same(first, Pick(cluster, request(key)));
                Assert.Same(first, Pick(cluster, request(key)));
                chosen.Add(first!);
            }

            Assert.True(chosen.Count >= 5, $"{Keys} keys went to only {chosen.Count} of 6 endpoints");
        }
    }

    [Fact]
    public void ConsistentHash_NoKey_PicksAnyEndpoint()
    {
        var cluster = Sidecar(Rule("consistentHash: { httpHeaderName: x-user }"), backends: 4).CompiledCluster(Cluster);

        var chosen = new HashSet<EndpointModel>();
        for (var i = 0; i < 200; i++)
        {
            chosen.Add(Pick(cluster, Request())!);
        }

        Assert.Equal(4, chosen.Count);
    }

    [Fact]
    public void RingHash_RemovingAnEndpoint_MovesItsKeysAndFewOthers()
    {
        var (moved, ofRemoved) = Disruption("{ httpHeaderName: x-user }");

        // As in Envoy, each host's share of the minimum ring grows when one leaves (1024 points: 103 each of 10 hosts,
        // then 114 each of 9), so some keys move between the others too: a bound near 1/n, where modulo would move 9 in 10.
        Assert.InRange(moved - ofRemoved, 0, Keys / 8);
        Assert.InRange(ofRemoved, Keys / 20, Keys / 4);
    }

    [Fact]
    public void Maglev_RemovingAnEndpoint_MovesItsKeysAndFewOthers()
    {
        var (moved, ofRemoved) = Disruption("{ httpHeaderName: x-user, maglev: { tableSize: 65537 } }");

        // Maglev trades minimal disruption for even spread and one-read lookups: a few other keys may move.
        Assert.InRange(moved - ofRemoved, 0, Keys / 20);
        Assert.InRange(ofRemoved, Keys / 20, Keys / 4);
    }

    [Theory]
    [InlineData("consistentHash: { httpHeaderName: x-user, maglev: { tableSize: 1000 } }", "consistentHash.maglev.tableSize", "prime")]
    [InlineData("consistentHash: { httpHeaderName: x-user, maglev: { tableSize: 5000011 } }", "consistentHash.maglev.tableSize", "5000011")]
    [InlineData("consistentHash: { httpHeaderName: x-user, maglev: {} }", "consistentHash.maglev.tableSize", "must be set")]
    [InlineData("consistentHash: { httpHeaderName: x-user, minimumRingSize: 10, ringHash: { minimumRingSize: 10 } }", "consistentHash.minimumRingSize", "only one of")]
    [InlineData("consistentHash: { httpCookie: { ttl: 10s } }", "consistentHash.httpCookie.name", "name required")]
    public void ConsistentHash_IstiosRules_AreValidationErrors(string loadBalancer, string field, string reason)
    {
        var result = Mesh.Istio.IstioConfigLoader.LoadText(Rule(loadBalancer), "dr.yaml");

        Assert.Contains(result.Errors, e => e.ToString().Contains(field) && e.ToString().Contains(reason));
    }

    [Theory]
    [InlineData("simple: RANDOM\n    warmup: { duration: 60s }", "loadBalancer.warmup", "ROUND_ROBIN and LEAST_REQUEST only")]
    [InlineData("consistentHash: { httpHeaderName: x-user }\n    warmupDurationSecs: 30s", "loadBalancer.warmupDurationSecs", "ROUND_ROBIN and LEAST_REQUEST only")]
    [InlineData("localityLbSetting: { failover: [{ from: us-east, to: us-west }] }", "loadBalancer.localityLbSetting", "outlier detection policy must be provided for failover")]
    public void LoadBalancer_SettingWithoutEffect_IsAWarningNamingItsField(string loadBalancer, string field, string reason)
    {
        var result = Mesh.Istio.IstioConfigLoader.LoadText(Rule(loadBalancer), "dr.yaml");

        Assert.Empty(result.Errors);
        var warning = Assert.Single(result.Warnings).ToString();
        Assert.Contains(field + ": has no effect in this mesh", warning, StringComparison.Ordinal);
        Assert.Contains(reason, warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Warmup_IsPushedWithEnvoysDefaults_ForRoundRobinAndLeastRequestOnly()
    {
        var warmup = Sidecar(Rule("simple: ROUND_ROBIN\n    warmup: { duration: 60s }")).Cluster(Cluster).SlowStart;
        var legacy = Sidecar(Rule("warmupDurationSecs: 30s")).Cluster(Cluster).SlowStart;
        var tuned = Sidecar(Rule("simple: LEAST_REQUEST\n    warmup: { duration: 10s, minimumPercent: 25, aggression: 2 }")).Cluster(Cluster).SlowStart;

        Assert.Equal((60_000U, 10.0, 1.0), (warmup.WindowMs, warmup.MinWeightPercent, warmup.Aggression));
        Assert.Equal((30_000U, 10.0, 1.0), (legacy.WindowMs, legacy.MinWeightPercent, legacy.Aggression));
        Assert.Equal((10_000U, 25.0, 2.0), (tuned.WindowMs, tuned.MinWeightPercent, tuned.Aggression));
        Assert.Null(Sidecar(Rule("simple: RANDOM\n    warmup: { duration: 60s }")).Cluster(Cluster).SlowStart);
    }

    [Fact]
    public void Passthrough_IsPushedAsItsOwnPolicy()
    {
        Assert.Equal(LoadBalancerPolicy.Passthrough, Sidecar(Rule("simple: PASSTHROUGH")).Cluster(Cluster).LbPolicy);
    }

    [Fact]
    public void Locality_WithoutOutlierDetection_HasNoPriorities_AsInIstio()
    {
        var sim = Sidecar(Rule("simple: ROUND_ROBIN"), localities: ["us-east/zone1/a", "us-west/zone1/a"]);

        Assert.Null(sim.Cluster(Cluster).LocalityLb);
        Assert.Equal(["us-east/zone1/a", "us-west/zone1/a"], sim.Endpoints(Cluster).Endpoints.Select(e => e.Locality));
        var chosen = new HashSet<EndpointModel>();
        for (var i = 0; i < 50; i++)
        {
            chosen.Add(Pick(sim.CompiledCluster(Cluster), Request())!);
        }

        Assert.Equal(2, chosen.Count);
    }

    [Fact]
    public void Locality_PrefersTheProxysOwnLocality_ThenFailsOverByProximity()
    {
        var sim = Sidecar(
            Rule("simple: ROUND_ROBIN", OutlierDetection),
            localities: ["us-west/zone1/a", "us-east/zone2/a", "us-east/zone1/a", "us-east/zone1/b"]);
        var cluster = sim.CompiledCluster(Cluster);
        var local = Endpoint(cluster, "us-east/zone1/a");

        Assert.Equal("us-east/zone1/a", sim.Cluster(Cluster).LocalityLb.ProxyLocality);
        Assert.Equal([3, 2, 0, 1], cluster.Endpoints.Select(e => e.Priority));
        for (var i = 0; i < 50; i++)
        {
            Assert.Same(local, Pick(cluster, Request()));
        }

        // The local endpoint unavailable (ejected): the same zone's other subzone takes everything.
        var withoutLocal = cluster.Endpoints.Where(e => e != local).ToArray();
        for (var i = 0; i < 50; i++)
        {
            Assert.Same(Endpoint(cluster, "us-east/zone1/b"), EndpointPicker.PickFrom(cluster, withoutLocal, Random.Shared, hash: null));
        }

        // Only the other region left: it serves.
        var remote = cluster.Endpoints.Where(e => e.Config.Locality.StartsWith("us-west")).ToArray();
        Assert.Same(remote[0], EndpointPicker.PickFrom(cluster, remote, Random.Shared, hash: null));
    }

    [Fact]
    public void Locality_Failover_SendsToTheNamedRegionBeforeAnyOther()
    {
        var sim = Sidecar(
            Rule("simple: ROUND_ROBIN\n    localityLbSetting: { failover: [{ from: us-east, to: eu-west }] }", OutlierDetection),
            localities: ["us-west/zone1/a", "eu-west/zone1/a", "us-east/zone1/a"]);

        Assert.Equal([2, 1, 0], sim.CompiledCluster(Cluster).Endpoints.Select(e => e.Priority));
    }

    [Fact]
    public void Locality_Disabled_HasNoPriorities()
    {
        var sim = Sidecar(Rule("localityLbSetting: { enabled: false }", OutlierDetection), localities: ["us-east/zone1/a", "us-west/zone1/a"]);

        Assert.Null(sim.Cluster(Cluster).LocalityLb);
    }

    [Fact]
    public void Locality_Distribute_WeightsEndpointsByTheirLocalitysShare()
    {
        var sim = Sidecar(
            Rule("localityLbSetting: { distribute: [{ from: us-east/*, to: { us-east/zone1/*: 80, us-west/*: 20 } }] }"),
            localities: ["us-east/zone1/a", "us-east/zone1/b", "us-west/zone1/a", "eu-west/zone1/a"]);

        // 80 over zone1's two endpoints, 20 to us-west; eu-west is named by no rule and gets nothing.
        Assert.Equal(
            [("us-east/zone1/a", 40_000U), ("us-east/zone1/b", 40_000U), ("us-west/zone1/a", 20_000U)],
            sim.Endpoints(Cluster).Endpoints.Select(e => (e.Locality, e.Weight)));
        var cluster = sim.CompiledCluster(Cluster);
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < 1000; i++)
        {
            var locality = Pick(cluster, Request())!.Config.Locality;
            counts[locality] = counts.GetValueOrDefault(locality) + 1;
        }

        Assert.InRange(counts["us-west/zone1/a"], 100, 300);
    }

    [Fact]
    public void RetryRemoteLocalities_AfterTwoLocalAttempts_TheRetryGoesToTheNextLocality()
    {
        var sim = Sidecar(Rule("simple: ROUND_ROBIN", OutlierDetection), localities: ["us-east/zone1/a", "us-east/zone2/a", "us-west/zone1/a"]);
        var cluster = sim.CompiledCluster(Cluster);
        var local = Endpoint(cluster, "us-east/zone1/a");

        // Envoy's previous_priorities with update_frequency 2: the second attempt still stays local...
        Assert.Same(local, EndpointPicker.PickAvoiding(cluster, Random.Shared, [local], 1, avoidPreviousHosts: false, retryRemoteLocalities: true));
        // ...the third leaves the level the first two used.
        Assert.Same(Endpoint(cluster, "us-east/zone2/a"), EndpointPicker.PickAvoiding(cluster, Random.Shared, [local, local], 2, avoidPreviousHosts: false, retryRemoteLocalities: true));
        // Without the option every attempt stays on the healthy local level.
        Assert.Same(local, EndpointPicker.PickAvoiding(cluster, Random.Shared, [local, local], 2, avoidPreviousHosts: false, retryRemoteLocalities: false));
    }

    [Fact]
    public void RetryRemoteLocalities_IsPushedOnTheRetryPolicy()
    {
        var sim = Sidecar(Rule("simple: ROUND_ROBIN"), routing: """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: backend, namespace: default }
            spec:
              hosts: [backend]
              http:
              - retries: { attempts: 3, retryRemoteLocalities: true }
                route: [{ destination: { host: backend } }]
            """);

        Assert.True(sim.Request("backend:9080")!.Route.Route_.RetryPolicy.RetryRemoteLocalities);
    }

    [Fact]
    public void ProxyLocality_IsTheWorkloadEntrysElseWhatTheProxyDeclares()
    {
        var snapshot = Simulation.Load("""
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: { name: frontend, namespace: default }
            spec: { address: 127.0.0.1, locality: us-east/zone1/a }
            """);

        Assert.Equal("us-east/zone1/a", new Mesh.ControlPlane.Translation.ProxyContext(new Node { WorkloadName = "frontend", Namespace = "default", Locality = "eu/z9" }, snapshot).Locality);
        Assert.Equal("eu/z9", new Mesh.ControlPlane.Translation.ProxyContext(new Node { WorkloadName = "ingress", Namespace = "default", Locality = "eu/z9" }, snapshot).Locality);
    }

    private const string OutlierDetection = "outlierDetection: { consecutive5xxErrors: 3 }";

    private static (int Moved, int OfRemoved) Disruption(string hash)
    {
        var before = Sidecar(Rule($"consistentHash: {hash}"), backends: 10).CompiledCluster(Cluster);
        var after = Sidecar(Rule($"consistentHash: {hash}"), backends: 10, skip: 3).CompiledCluster(Cluster);
        var removed = before.Endpoints.Single(e => after.Endpoints.All(a => a.Key != e.Key)).Key;

        var moved = 0;
        var ofRemoved = 0;
        for (var key = 0; key < Keys; key++)
        {
            var was = Pick(before, Request(headers: ("x-user", $"user-{key}")))!.Key;
            var now = Pick(after, Request(headers: ("x-user", $"user-{key}")))!.Key;
            ofRemoved += was == removed ? 1 : 0;
            moved += was != now ? 1 : 0;
        }

        return (moved, ofRemoved);
    }

    private static EndpointModel? Pick(ClusterModel cluster, HttpContext request) =>
        EndpointPicker.Pick(cluster, Random.Shared, cluster.Balancer?.Hash?.Key.Compute(request, out _));

    private static EndpointModel Endpoint(ClusterModel cluster, string locality) => cluster.Endpoints.Single(e => e.Config.Locality == locality);

    private static HttpContext Request((string Name, string Value)? headers = null, string query = "", IPAddress? source = null)
    {
        var context = new DefaultHttpContext();
        if (headers is { } header)
        {
            context.Request.Headers.Append(header.Name, header.Value);
        }

        context.Request.QueryString = new QueryString(query.Length == 0 ? null : query);
        context.Connection.RemoteIpAddress = source ?? IPAddress.Loopback;
        return context;
    }

    private static string Rule(string loadBalancer, string? more = null) => $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: backend, namespace: default }
        spec:
          host: backend
          trafficPolicy:
            loadBalancer:
              {{loadBalancer.Replace("\n    ", "\n      ")}}
            {{more ?? ""}}
        """;

    /// <summary>A frontend sidecar in us-east/zone1/a and a backend service of <paramref name="backends"/> WorkloadEntries (or one per locality).</summary>
    private static Simulation Sidecar(string rule, int backends = 2, int skip = -1, string[]? localities = null, string? routing = null)
    {
        var yaml = new List<string>
        {
            """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: backend, namespace: default }
            spec:
              hosts: [backend.default.svc.cluster.local]
              location: MESH_INTERNAL
              ports: [{ number: 9080, name: http, protocol: HTTP }]
              resolution: STATIC
              workloadSelector: { labels: { app: backend } }
            """,
            """
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: { name: frontend, namespace: default }
            spec: { address: 127.0.0.1, labels: { app: frontend }, locality: us-east/zone1/a }
            """,
            rule,
        };
        var count = localities?.Length ?? backends;
        for (var i = 0; i < count; i++)
        {
            if (i == skip) continue;
            var locality = localities is null ? "" : $", locality: {localities[i]}";
            var version = i % 2 == 0 ? "v1" : "v2";
            yaml.Add($$"""
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: { name: backend-{{i}}, namespace: default }
                spec: { address: 10.0.0.{{i + 10}}, ports: { http: 9080 }, labels: { app: backend, version: {{version}} }{{locality}} }
                """);
        }

        if (routing is not null) yaml.Add(routing);
        return Simulation.Sidecar("frontend", "default", [.. yaml]);
    }
}
