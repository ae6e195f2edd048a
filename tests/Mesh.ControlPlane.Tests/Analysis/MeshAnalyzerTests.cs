using Mesh.Istio;
using Mesh.Istio.Analysis;

namespace Mesh.ControlPlane.Tests.Analysis;

/// <summary>The analyzer's checks, one YAML in, messages out each.</summary>
public sealed class MeshAnalyzerTests
{
    private const string ReviewsEntry = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: reviews, namespace: default }
        spec:
          hosts: [reviews.default.svc.cluster.local]
          ports: [{ number: 9080, name: http, protocol: HTTP }]
          resolution: STATIC
          endpoints:
          - { address: 10.0.0.1, labels: { version: v1 } }
          - { address: 10.0.0.2, labels: { version: v2 } }
        ---

        """;

    internal static IReadOnlyList<AnalysisMessage> Analyze(string yaml, string file = "mesh.yaml")
    {
        var result = IstioConfigLoader.LoadText(yaml, file);
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        return MeshAnalyzer.Analyze(result.Resources);
    }

    private static AnalysisMessage[] OfCode(IReadOnlyList<AnalysisMessage> messages, string code) => messages.Where(m => m.Type.Code == code).ToArray();

    [Fact]
    public void Analyze_ProxyProtocolSet_WarnsAtItsFileLineAndPath()
    {
        var messages = Analyze(ReviewsEntry + """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews, namespace: default }
            spec:
              host: reviews
              trafficPolicy:
                proxyProtocol:
                  version: V1
            """, "dr.yaml");

        var message = Assert.Single(OfCode(messages, "MESH0001"));
        Assert.Equal(AnalysisLevel.Warning, message.Type.Level);
        Assert.Equal("spec.trafficPolicy.proxyProtocol", message.FieldPath);
        Assert.Equal(18, message.Line);
        Assert.StartsWith("Warning [MESH0001] (DestinationRule default/reviews dr.yaml:18) spec.trafficPolicy.proxyProtocol: has no effect in this mesh: ",
            message.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_SupportedTrafficPolicyFields_ReportsNothing()
    {
        var messages = Analyze(ReviewsEntry + """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews, namespace: default }
            spec:
              host: reviews
              trafficPolicy:
                loadBalancer: { simple: RANDOM }
                connectionPool: { tcp: { connectTimeout: 1s, maxConnections: 10 }, http: { h2UpgradePolicy: UPGRADE, http2MaxRequests: 10, maxRetries: 3, useClientProtocol: true } }
                tls: { mode: ISTIO_MUTUAL, sni: reviews }
                portLevelSettings:
                - { port: { number: 9080 }, loadBalancer: { simple: ROUND_ROBIN }, connectionPool: { http: { h2UpgradePolicy: DO_NOT_UPGRADE } } }
                outlierDetection: { consecutive5xxErrors: 3, baseEjectionTime: 30s }
              subsets:
              - { name: v1, labels: { version: v1 }, trafficPolicy: { loadBalancer: { simple: LEAST_REQUEST } } }
            """);

        Assert.Empty(messages);
    }

    [Fact]
    public void Analyze_NotEffectiveFieldInSubsetAndPort_ReportsEachWhereItIsWritten()
    {
        var messages = Analyze(ReviewsEntry + """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews, namespace: default }
            spec:
              host: reviews
              trafficPolicy:
                portLevelSettings:
                - port: { number: 9080 }
                  connectionPool: { http: { maxConcurrentStreams: 100, http2KeepAlive: { interval: 10s, connectionIdleInterval: 30s } } }
              subsets:
              - name: v1
                labels: { version: v1 }
                trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: x-user } }, proxyProtocol: { version: V2 } }
            """);

        Assert.Equal(
            [
                "spec.trafficPolicy.portLevelSettings[0].connectionPool.http.http2KeepAlive.connectionIdleInterval",
                "spec.subsets[0].trafficPolicy.proxyProtocol",
            ],
            OfCode(messages, "MESH0001").Select(m => m.FieldPath));
    }

    [Fact]
    public void Analyze_StatPrefixOnARoute_ReportsItAndNotTheRouteNorItsBackoffMirrorOrCors()
    {
        var messages = Analyze(ReviewsEntry + """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: reviews, namespace: default }
            spec:
              hosts: [reviews]
              http:
              - match: [{ uri: { prefix: /a }, statPrefix: a }]
                route: [{ destination: { host: reviews } }]
                timeout: 1s
                retries: { attempts: 2, backoff: 50ms }
                mirror: { host: reviews }
                corsPolicy: { allowOrigins: [{ exact: "https://a.example" }] }
            """);

        Assert.Equal(["spec.http[0].match[0].statPrefix"], OfCode(messages, "MESH0001").Select(m => m.FieldPath));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("gateways: [mesh]", true)]
    [InlineData("gateways: [mesh, edge]", false)]
    public void Analyze_TlsRoutes_ReportedOnlyWhenBoundToSidecarsAlone(string gateways, bool reported)
    {
        var messages = Analyze($$"""
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: edge, namespace: default }
            spec:
              selector: { istio: ingressgateway }
              servers: [{ port: { number: 443, name: tls, protocol: TLS }, hosts: ["*"], tls: { mode: PASSTHROUGH } }]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: secure, namespace: default }
            spec:
              hosts: [secure.example.com]
              {{gateways}}
              tls:
              - match: [{ sniHosts: [secure.example.com] }]
                route: [{ destination: { host: secure.example.com } }]
            """);

        Assert.Equal(reported, OfCode(messages, "MESH0001").Any(m => m.FieldPath == "spec.tls"));
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("gateways: [mesh]", false)]
    [InlineData("gateways: [mesh, edge]", false)]
    [InlineData("gateways: [edge]", true)]
    public void Analyze_TcpRoutes_ReportedOnlyWhenBoundToGatewaysAlone(string gateways, bool reported)
    {
        var messages = Analyze($$"""
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: edge, namespace: default }
            spec:
              selector: { istio: ingressgateway }
              servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*"] }]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: db, namespace: default }
            spec:
              hosts: [db.example.com]
              {{gateways}}
              tcp:
              - match: [{ port: 5432, destinationSubnets: [10.0.0.0/8] }]
                route: [{ destination: { host: db.example.com } }]
            """);

        Assert.Equal(reported, OfCode(messages, "MESH0001").Any(m => m.FieldPath == "spec.tcp"));
        // The match field the sidecar does not evaluate is reported wherever the routes bind.
        Assert.Contains(OfCode(messages, "MESH0001"), m => m.FieldPath == "spec.tcp[0].match[0].destinationSubnets");
    }

    [Fact]
    public void Analyze_EnvoyFilter_ReportedAsAWholeResource_AuthorizationPolicyNot()
    {
        var messages = Analyze("""
            apiVersion: networking.istio.io/v1alpha3
            kind: EnvoyFilter
            metadata: { name: default, namespace: default }
            spec: { configPatches: [] }
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: { name: deny-all, namespace: istio-system }
            spec: {}
            """);

        Assert.Equal(["EnvoyFilter default/default"], OfCode(messages, "MESH0001").Select(m => m.Resource.ToString()));
        Assert.All(messages, m => Assert.Equal("", m.FieldPath));
        Assert.Contains(messages, m => m.Text.StartsWith("EnvoyFilter has no effect in this mesh: ", StringComparison.Ordinal) && m.Line == 1);
    }

    [Fact]
    public void Analyze_DestinationToMissingHostSubsetAndGateway_ReportsIst0101Each()
    {
        var messages = Analyze(ReviewsEntry + """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews, namespace: default }
            spec:
              host: reviews
              subsets: [{ name: v1, labels: { version: v1 } }]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: reviews, namespace: default }
            spec:
              hosts: [reviews]
              gateways: [mesh, missing-gateway]
              http:
              - route:
                - { destination: { host: reviews, subset: v1 }, weight: 50 }
                - { destination: { host: reviews, subset: v9 }, weight: 25 }
                - { destination: { host: ratings }, weight: 25 }
            """);

        Assert.Equal(
            [
                "spec.gateways[1]: Referenced gateway not found: \"missing-gateway\"",
                "spec.http[0].route[1].destination.subset: Referenced host+subset in destinationrule not found: \"reviews+v9\"",
                "spec.http[0].route[2].destination.host: Referenced host not found: \"ratings\" (no ServiceEntry or Service declares ratings.default.svc.cluster.local)",
            ],
            OfCode(messages, "IST0101").Select(m => $"{m.FieldPath}: {m.Text}"));
    }

    [Fact]
    public void Analyze_SubsetSelectingNoWorkload_ReportsIst0173()
    {
        var messages = Analyze(ReviewsEntry + """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews, namespace: default }
            spec:
              host: reviews
              subsets:
              - { name: v1, labels: { version: v1 } }
              - { name: v3, labels: { version: v3 } }
            """);

        var message = Assert.Single(messages);
        Assert.Equal("IST0173", message.Type.Code);
        Assert.Equal("spec.subsets[1]", message.FieldPath);
        Assert.Contains("The Subset v3 defined in the DestinationRule does not select any workload", message.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_RulesOfOneHostMerging_ReportsMesh0003ForWhatTheLaterLoses()
    {
        // reviews-b and reviews-a merge (first by name: a); the rule with a selector merges with neither.
        var messages = Analyze(ReviewsEntry + """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews-b, namespace: default }
            spec:
              host: reviews.default.svc.cluster.local
              trafficPolicy: { loadBalancer: { simple: RANDOM } }
              subsets: [{ name: v2, labels: { version: v2 } }, { name: v1, labels: { version: v2 } }]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews-a, namespace: default }
            spec:
              host: reviews
              trafficPolicy: { loadBalancer: { simple: LEAST_REQUEST } }
              subsets: [{ name: v1, labels: { version: v1 } }]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews-c, namespace: default }
            spec:
              host: reviews
              workloadSelector: { matchLabels: { app: ratings } }
              trafficPolicy: { loadBalancer: { simple: RANDOM } }
              subsets: [{ name: v1, labels: { version: v1 } }]
            """);

        var lost = OfCode(messages, "MESH0003").ToArray();
        Assert.All(lost, m => Assert.Equal(new ConfigKey("DestinationRule", "default", "reviews-b"), m.Resource));
        Assert.Equal(["spec.subsets[1].name", "spec.trafficPolicy"], lost.Select(m => m.FieldPath).Order(StringComparer.Ordinal));
        Assert.All(lost, m => Assert.Contains("DestinationRule default/reviews-a", m.Text, StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_TwoGatewaysSameSelectorPortAndHost_ReportsIst0145OnBoth()
    {
        var messages = Analyze("""
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: a, namespace: default }
            spec:
              selector: { istio: ingressgateway }
              servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*.example.com"] }]
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: b, namespace: default }
            spec:
              selector: { istio: ingressgateway }
              servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: [shop.example.com] }]
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: c, namespace: default }
            spec:
              selector: { istio: ingressgateway }
              servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: [shop.example.com] }]
            """);

        Assert.Equal(
            [
                "Gateway default/a: Conflict with gateways default/b (workload selector istio=ingressgateway, port 80, hosts *.example.com).",
                "Gateway default/b: Conflict with gateways default/a (workload selector istio=ingressgateway, port 80, hosts shop.example.com).",
            ],
            OfCode(messages, "IST0145").Select(m => $"{m.Resource}: {m.Text}"));
    }

    [Fact]
    public void Analyze_DuplicateAndCatchAllFirstMatches_ReportsIneffectiveMatchAndUnreachableRules()
    {
        var messages = Analyze(ReviewsEntry + """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: reviews, namespace: default }
            spec:
              hosts: [reviews]
              http:
              - match: [{ uri: { prefix: /api } }]
                route: [{ destination: { host: reviews } }]
              - match: [{ name: again, uri: { prefix: /api } }, { uri: { prefix: /other } }]
                route: [{ destination: { host: reviews } }]
              - route: [{ destination: { host: reviews } }]
              - match: [{ uri: { prefix: /late } }]
                route: [{ destination: { host: reviews } }]
            """);

        Assert.Equal(
            [
                "IST0131 spec.http[1].match[0]: VirtualService rule #1 match #0 is not used (duplicate/overlapping match in rule #0).",
                "IST0130 spec.http[3]: VirtualService rule #3 not used (route without matches defined before).",
            ],
            messages.Select(m => $"{m.Type.Code} {m.FieldPath}: {m.Text}"));
    }

    [Fact]
    public void Analyze_TwoMeshVirtualServicesForOneHost_ReportsIst0109NamingTheOneServed()
    {
        var route = "  http: [{ route: [{ destination: { host: reviews } }] }]\n";
        var messages = Analyze(ReviewsEntry
            + "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: b, namespace: default }\nspec:\n  hosts: [reviews]\n" + route
            + "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: a, namespace: default }\nspec:\n  hosts: [reviews.default.svc.cluster.local]\n" + route);

        var conflicts = OfCode(messages, "IST0109");
        Assert.Equal(2, conflicts.Length);
        Assert.All(conflicts, m => Assert.Contains("default/a,default/b", m.Text, StringComparison.Ordinal));
        Assert.All(conflicts, m => Assert.EndsWith("(this mesh routes the host by default/a alone).", m.Text, StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_SameVirtualServiceInTwoFiles_ServesTheFirstFileAndReportsTheOther()
    {
        const string VirtualService = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: reviews, namespace: default }
            spec:
              hosts: [reviews]
              http: [{ route: [{ destination: { host: reviews } }] }]
            """;
        var resources = IstioConfigLoader.LoadText("# second\n" + VirtualService, "b.yaml").Resources
            .Concat(IstioConfigLoader.LoadText(VirtualService, "a.yaml").Resources).ToList();

        var conflicts = new List<AnalysisMessage>();
        var served = ServedResources.Select(resources, conflicts);

        Assert.Equal("a.yaml", Assert.Single(served).Source.File);
        var conflict = Assert.Single(conflicts);
        Assert.Equal("Error [MESH0002] (VirtualService default/reviews b.yaml:2) VirtualService default/reviews is also defined at a.yaml:1; "
            + "this mesh serves that one (the first by file name, then position) and ignores this one", conflict.ToString());
        Assert.Contains(MeshAnalyzer.Analyze(resources), m => m.Type.Code == "MESH0002");
    }

    private static string ProxyProtocolRule(string name) => $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: {{name}}, namespace: default }
        spec:
          host: reviews
          trafficPolicy:
            proxyProtocol: { version: V1 }
        """;

    [Fact]
    public void Analyze_AgainWithOneResourceEdited_TheOthersFindingsAreKeptAndTheEditedOnesMadeAgain()
    {
        var first = IstioConfigLoader.LoadText(ReviewsEntry + ProxyProtocolRule("a") + "\n---\n" + ProxyProtocolRule("b"), "dr.yaml").Resources;
        var edited = IstioConfigLoader.LoadText("\n\n" + ProxyProtocolRule("b"), "b.yaml").Resources.Single();
        var second = first.Select(r => r.Metadata.Name == "b" && r.Kind == "DestinationRule" ? edited : r).ToList();

        var before = MeshAnalyzer.Analyze(first);
        var after = MeshAnalyzer.Analyze(second);

        // (b also loses its trafficPolicy to a's, MESH0003: a finding of the two together, made again each time.)
        Assert.Same(Assert.Single(before, m => m.Resource.Name == "a"), Assert.Single(after, m => m.Resource.Name == "a"));
        Assert.Equal(("dr.yaml", 26), Assert.Single(before, m => m.Resource.Name == "b" && m.Type.Code == "MESH0001") is var b ? (b.File, b.Line) : default);
        Assert.Equal(("b.yaml", 9), Assert.Single(after, m => m.Resource.Name == "b" && m.Type.Code == "MESH0001") is var edit ? (edit.File, edit.Line) : default);
    }

    [Fact]
    public void Analyze_SameResourcesWithAnotherListOfFields_FindingsFollowTheList()
    {
        var resources = IstioConfigLoader.LoadText(ReviewsEntry + ProxyProtocolRule("a"), "dr.yaml").Resources;

        var withAll = MeshAnalyzer.Analyze(resources);
        var withHostOnly = MeshAnalyzer.Analyze(resources, [new NotEffectiveField("DestinationRule", "spec.host", "test")]);

        Assert.Equal("spec.trafficPolicy.proxyProtocol", Assert.Single(withAll, m => m.Type.Code == "MESH0001").FieldPath);
        Assert.Equal("spec.host", Assert.Single(withHostOnly, m => m.Type.Code == "MESH0001").FieldPath);
    }

    [Theory]
    [InlineData("spec.**.outlierDetection", "spec.trafficPolicy.outlierDetection", true)]
    [InlineData("spec.**.outlierDetection", "spec.subsets[2].trafficPolicy.portLevelSettings[0].outlierDetection", true)]
    [InlineData("spec.**.outlierDetection", "spec.trafficPolicy.outlierDetection.interval", false)]
    [InlineData("spec.**.outlierDetection", "spec.subsets[0].labels[outlierDetection]", false)]
    [InlineData("spec.http[*].mirror", "spec.http[12].mirror", true)]
    [InlineData("spec.http[*].mirror", "spec.http[0].mirrors", false)]
    [InlineData("spec.http[*].mirror", "spec.tcp[0].mirror", false)]
    [InlineData("spec.**.tls.caCrl", "spec.subsets[0].labels[app.kubernetes.io/name].tls.caCrl", true)]
    public void NotEffectiveField_Matches_FollowsThePattern(string pattern, string fieldPath, bool expected)
    {
        Assert.Equal(expected, new NotEffectiveField("DestinationRule", pattern, "reason").Matches(fieldPath));
    }

    [Fact]
    public void NotEffectiveFields_EveryEntry_IsListedInTheDocsAsWritten()
    {
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "config.md"));
        var listed = docs.Split('\n').Select(line => line.TrimEnd('\r')).ToHashSet();
        var expected = NotEffectiveFields.All.Select(DocsRow).ToList();

        Assert.All(expected, row => Assert.Contains(row, listed));
        var section = docs[docs.IndexOf("### Fields without effect", StringComparison.Ordinal)..];
        var rows = section.Split('\n').TakeWhile(line => !line.StartsWith("## ", StringComparison.Ordinal)).Where(line => line.StartsWith("| `", StringComparison.Ordinal));
        Assert.Equal(expected.Count, rows.Count());
    }

    /// <summary>How docs/config.md lists an entry: kind, path (or "the whole resource"), reason.</summary>
    internal static string DocsRow(NotEffectiveField entry) =>
        $"| `{entry.Kind}` | {(entry.Path.Length == 0 ? "the whole resource" : $"`{entry.Path}`")} | {entry.Reason} |";

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Mesh.sln"))) directory = directory.Parent;
        Assert.NotNull(directory);
        return directory.FullName;
    }
}
