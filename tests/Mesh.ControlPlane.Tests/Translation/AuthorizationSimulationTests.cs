using Mesh.Istio;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// AuthorizationPolicy, YAML in and allow/deny out: which policies apply to a proxy (root namespace, namespace,
/// selector, targetRefs), Istio's order (CUSTOM, DENY, ALLOW), and every source, operation and condition field with its
/// not-variant and Istio's exact/prefix/suffix/presence patterns, decided by the proxy's own compiled authorization.
/// </summary>
public sealed class AuthorizationSimulationTests
{
    private const uint BackendPort = 17002;
    private const uint FrontendPort = 17001;
    private const string Frontend = "spiffe://cluster.local/ns/default/sa/frontend";
    private const string Stranger = "spiffe://cluster.local/ns/other/sa/stranger";
    private const string DenyAllDetails = "rbac_access_denied_matched_policy[ns[istio-system]-policy[deny-all]-rule[0]]";
    private const string NoneDetails = "rbac_access_denied_matched_policy[none]";

    private static readonly AuthorizationProbe FromFrontend = new();

    [Fact]
    public void NoPolicy_ListenerCarriesNoAuthorization()
    {
        var sim = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads);
        Assert.All(sim.Resources.Listeners, l => Assert.Null(l.Authorization));
        Assert.Null(sim.Authorize(BackendPort, FromFrontend));
    }

    [Fact]
    public void RootNamespaceDenyAll_DeniesEverySidecarAndTheGatewayNamingThePolicy()
    {
        var denyAll = Policy("istio-system", "deny-all", "action: DENY\n  rules: [{}]");
        Assert.Equal(DenyAllDetails, Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, denyAll).Authorize(BackendPort, FromFrontend));
        Assert.Equal(DenyAllDetails, Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, denyAll).Authorize(FrontendPort, FromFrontend with { Peer = null }));

        var gateway = Simulation.Router("istio-ingressgateway", "istio-system", new Dictionary<string, string> { ["istio"] = "ingressgateway" },
            DemoYaml.Workloads, Gateway(), denyAll);
        Assert.Equal(DenyAllDetails, gateway.Authorize(8080, FromFrontend with { Peer = null }));
        Assert.DoesNotContain(gateway.Resources.Listeners, l => l.Authorization is null);
    }

    [Fact]
    public void AllowPolicyWithoutRules_DeniesEverything_DenyWithoutRulesDeniesNothing()
    {
        var allowNothing = Policy("default", "allow-nothing", "{}");
        Assert.Equal(NoneDetails, Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, allowNothing).Authorize(BackendPort, FromFrontend));

        var denyNothing = Policy("default", "deny-nothing", "action: DENY");
        Assert.Null(Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, denyNothing).Authorize(BackendPort, FromFrontend));
    }

    [Fact]
    public void Scope_NamespaceSelectorAndRootNamespaceSelector()
    {
        var otherNamespace = Policy("other", "allow-nothing", "{}");
        Assert.Null(Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, otherNamespace).Authorize(BackendPort, FromFrontend));

        var backendOnly = Policy("default", "allow-nothing", "selector: { matchLabels: { app: backend } }");
        Assert.Equal(NoneDetails, Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, backendOnly).Authorize(BackendPort, FromFrontend));
        Assert.Null(Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, backendOnly).Authorize(FrontendPort, FromFrontend));

        // A root-namespace policy with a selector selects matching workloads of every namespace.
        var rootSelector = Policy("istio-system", "allow-nothing", "selector: { matchLabels: { version: v2 } }");
        Assert.Equal(NoneDetails, Simulation.Sidecar("backend-v2", "default", DemoYaml.Workloads, rootSelector).Authorize(17003, FromFrontend));
        Assert.Null(Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, rootSelector).Authorize(BackendPort, FromFrontend));
    }

    [Fact]
    public void TargetRefs_GatewaySelectsTheGatewayProxyLabelledWithItsName_NotSidecars()
    {
        var policy = Policy("default", "gateway-allow-nothing", "targetRefs: [{ group: gateway.networking.k8s.io, kind: Gateway, name: public }]");
        var named = new Dictionary<string, string> { ["istio"] = "ingressgateway", ["gateway.networking.k8s.io/gateway-name"] = "public" };
        Assert.Equal(NoneDetails, Simulation.Router("public-gateway", "default", named, DemoYaml.Workloads, Gateway(), policy).Authorize(8080, FromFrontend));

        var unnamed = new Dictionary<string, string> { ["istio"] = "ingressgateway" };
        Assert.Null(Simulation.Router("istio-ingressgateway", "default", unnamed, DemoYaml.Workloads, Gateway(), policy).Authorize(8080, FromFrontend));
        Assert.Null(Simulation.Router("public-gateway", "other", named, DemoYaml.Workloads, Gateway(), policy).Authorize(8080, FromFrontend));
        Assert.Null(Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, policy).Authorize(BackendPort, FromFrontend));
    }

    [Fact]
    public void Order_CustomThenDenyThenAllow()
    {
        var allowFrontend = Policy("default", "allow-frontend", $"rules: [{{ from: [{{ source: {{ principals: [\"{Principal(Frontend)}\"] }} }}] }}]");
        var denyAdmin = Policy("default", "deny-admin", "action: DENY\n  rules: [{ to: [{ operation: { paths: [\"/admin*\"] } }] }]");
        var custom = Policy("default", "ext", "action: CUSTOM\n  provider: { name: opa }\n  rules: [{ to: [{ operation: { paths: [\"/ext/*\"] } }] }]");
        var sim = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, allowFrontend, denyAdmin, custom);

        Assert.Null(sim.Authorize(BackendPort, FromFrontend));
        Assert.Equal("rbac_access_denied_matched_policy[ns[default]-policy[deny-admin]-rule[0]]", sim.Authorize(BackendPort, FromFrontend with { Path = "/admin/users" }));
        Assert.Equal(NoneDetails, sim.Authorize(BackendPort, FromFrontend with { Peer = Stranger }));
        // CUSTOM is not supported: what its rules match is denied (fail closed), before DENY and ALLOW are asked.
        Assert.Equal("ext_authz_error", sim.Authorize(BackendPort, FromFrontend with { Path = "/ext/x" }));
    }

    [Fact]
    public void AuditAndDryRun_NeverDecide_DryRunRecordsWhatItWouldHaveDone()
    {
        var audit = Policy("default", "audit-all", "action: AUDIT\n  rules: [{}]");
        var dryRunDeny = Policy("default", "would-deny", "action: DENY\n  rules: [{ to: [{ operation: { methods: [POST] } }] }]", dryRun: true);
        var dryRunAllow = Policy("default", "would-allow-nothing", "{}", dryRun: true);
        var sim = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, audit, dryRunDeny);
        Assert.Null(sim.Authorize(BackendPort, FromFrontend with { Method = "POST" }));
        Assert.Equal("rbac_access_denied_matched_policy[ns[default]-policy[would-deny]-rule[0]]", sim.AuthorizeDryRun(BackendPort, FromFrontend with { Method = "POST" }));
        Assert.Null(sim.AuthorizeDryRun(BackendPort, FromFrontend));

        var allowSim = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, dryRunAllow);
        Assert.Null(allowSim.Authorize(BackendPort, FromFrontend));
        Assert.Equal(NoneDetails, allowSim.AuthorizeDryRun(BackendPort, FromFrontend));
    }

    [Fact]
    public void From_PrincipalsWithPatternsAndNotPrincipals()
    {
        var exact = Source($"principals: [\"{Principal(Frontend)}\"]");
        Assert.True(Allowed(exact, FromFrontend));
        Assert.False(Allowed(exact, FromFrontend with { Peer = Stranger }));
        Assert.False(Allowed(exact, FromFrontend with { Peer = null }));

        var anyAuthenticated = Source("principals: [\"*\"]");
        Assert.True(Allowed(anyAuthenticated, FromFrontend with { Peer = Stranger }));
        Assert.False(Allowed(anyAuthenticated, FromFrontend with { Peer = null }));

        Assert.True(Allowed(Source("principals: [\"cluster.local/ns/default/*\"]"), FromFrontend));
        Assert.False(Allowed(Source("principals: [\"cluster.local/ns/default/*\"]"), FromFrontend with { Peer = Stranger }));
        Assert.True(Allowed(Source("principals: [\"*/sa/stranger\"]"), FromFrontend with { Peer = Stranger }));
        Assert.False(Allowed(Source("principals: [\"*/sa/stranger\"]"), FromFrontend));

        var notFrontend = Source($"notPrincipals: [\"{Principal(Frontend)}\"]");
        Assert.False(Allowed(notFrontend, FromFrontend));
        Assert.True(Allowed(notFrontend, FromFrontend with { Peer = Stranger }));
        Assert.True(Allowed(notFrontend, FromFrontend with { Peer = null }));
    }

    [Fact]
    public void From_NamespacesAndNotNamespaces_FromThePeerIdentity()
    {
        Assert.True(Allowed(Source("namespaces: [default]"), FromFrontend));
        Assert.False(Allowed(Source("namespaces: [default]"), FromFrontend with { Peer = Stranger }));
        Assert.False(Allowed(Source("namespaces: [default]"), FromFrontend with { Peer = null }));
        Assert.True(Allowed(Source("namespaces: [\"oth*\"]"), FromFrontend with { Peer = Stranger }));
        Assert.False(Allowed(Source("notNamespaces: [default]"), FromFrontend));
        Assert.True(Allowed(Source("notNamespaces: [default]"), FromFrontend with { Peer = Stranger }));
    }

    [Fact]
    public void From_IpBlocksAndRemoteIpBlocks_AddressesAndRanges()
    {
        foreach (var field in new[] { "ipBlocks", "remoteIpBlocks" })
        {
            Assert.True(Allowed(Source($"{field}: [\"10.0.0.0/8\"]"), FromFrontend));
            Assert.True(Allowed(Source($"{field}: [\"10.0.0.1\"]"), FromFrontend));
            Assert.False(Allowed(Source($"{field}: [\"10.0.0.0/8\"]"), FromFrontend with { SourceIp = "192.168.1.1" }));
            // Host bits of a range are ignored, as Envoy's CidrRange does.
            Assert.True(Allowed(Source($"{field}: [\"192.168.1.7/24\"]"), FromFrontend with { SourceIp = "192.168.1.1" }));
            Assert.False(Allowed(Source($"not{char.ToUpperInvariant(field[0])}{field[1..]}: [\"10.0.0.0/8\"]"), FromFrontend));
            Assert.True(Allowed(Source($"not{char.ToUpperInvariant(field[0])}{field[1..]}: [\"10.0.0.0/8\"]"), FromFrontend with { SourceIp = "::1" }));
        }
    }

    [Fact]
    public void From_RequestPrincipalsAndNotRequestPrincipals_FromTheVerifiedJwt()
    {
        var withToken = FromFrontend with { Jwt = AuthorizationProbe.Token("https://issuer.example", "alice", "{}") };
        Assert.True(Allowed(Source("requestPrincipals: [\"https://issuer.example/alice\"]"), withToken));
        Assert.False(Allowed(Source("requestPrincipals: [\"https://issuer.example/alice\"]"), FromFrontend));
        Assert.True(Allowed(Source("requestPrincipals: [\"*\"]"), withToken));
        Assert.False(Allowed(Source("requestPrincipals: [\"*\"]"), FromFrontend));
        Assert.True(Allowed(Source("requestPrincipals: [\"https://issuer.example/*\"]"), withToken));
        Assert.False(Allowed(Source("notRequestPrincipals: [\"*\"]"), withToken));
        Assert.True(Allowed(Source("notRequestPrincipals: [\"*\"]"), FromFrontend));
    }

    [Fact]
    public void To_HostsCaseInsensitiveWithOrWithoutPort_AndNotHosts()
    {
        Assert.True(Allowed(Operation("hosts: [backend.default.svc.cluster.local]"), FromFrontend));
        Assert.True(Allowed(Operation("hosts: [BACKEND.default.svc.cluster.local]"), FromFrontend with { Host = "backend.DEFAULT.svc.cluster.local" }));
        Assert.True(Allowed(Operation("hosts: [\"backend.default.svc.cluster.local:9080\"]"), FromFrontend));
        Assert.False(Allowed(Operation("hosts: [\"backend.default.svc.cluster.local:80\"]"), FromFrontend));
        Assert.True(Allowed(Operation("hosts: [\"*.svc.cluster.local\"]"), FromFrontend));
        Assert.True(Allowed(Operation("hosts: [\"backend.*\"]"), FromFrontend));
        Assert.False(Allowed(Operation("hosts: [other.example.com]"), FromFrontend));
        Assert.False(Allowed(Operation("notHosts: [\"*.cluster.local\"]"), FromFrontend));
        Assert.True(Allowed(Operation("notHosts: [other.example.com]"), FromFrontend));
    }

    [Fact]
    public void To_PortsMethodsAndPaths_WithNotVariantsAndPatterns()
    {
        Assert.True(Allowed(Operation($"ports: [\"{BackendPort}\"]"), FromFrontend));
        Assert.False(Allowed(Operation("ports: [\"9999\"]"), FromFrontend));
        Assert.False(Allowed(Operation($"notPorts: [\"{BackendPort}\"]"), FromFrontend));

        Assert.True(Allowed(Operation("methods: [GET, HEAD]"), FromFrontend));
        Assert.False(Allowed(Operation("methods: [GET]"), FromFrontend with { Method = "POST" }));
        Assert.False(Allowed(Operation("notMethods: [GET]"), FromFrontend));
        Assert.True(Allowed(Operation("notMethods: [GET]"), FromFrontend with { Method = "DELETE" }));

        var api = FromFrontend with { Path = "/api/v1/info", QueryString = "?debug=1" };
        Assert.True(Allowed(Operation("paths: [/api/v1/info]"), api));
        Assert.True(Allowed(Operation("paths: [\"/api/*\"]"), api));
        Assert.True(Allowed(Operation("paths: [\"*/info\"]"), api));
        Assert.True(Allowed(Operation("paths: [\"*\"]"), api));
        Assert.False(Allowed(Operation("paths: [/api]"), api));
        Assert.False(Allowed(Operation("notPaths: [\"/api/*\"]"), api));
        Assert.True(Allowed(Operation("notPaths: [\"/admin*\"]"), api));
    }

    [Fact]
    public void When_HeadersAndConnectionKeys_ValuesAndNotValues()
    {
        var v1 = FromFrontend with { Headers = new Dictionary<string, string> { ["X-Version"] = "v1.2" }, Sni = "backend.example.com" };
        Assert.True(Allowed(When("request.headers[x-version]", "values: [\"v1*\"]"), v1));
        Assert.False(Allowed(When("request.headers[X-Version]", "values: [\"v1*\"]"), FromFrontend));
        Assert.False(Allowed(When("request.headers[X-Version]", "notValues: [\"v1*\"]"), v1));
        Assert.True(Allowed(When("request.headers[X-Version]", "notValues: [\"v1*\"]"), FromFrontend));

        Assert.True(Allowed(When("source.ip", "values: [\"10.0.0.0/16\"]"), v1));
        Assert.False(Allowed(When("remote.ip", "notValues: [\"10.0.0.1\"]"), v1));
        Assert.True(Allowed(When("destination.ip", "values: [\"127.0.0.0/8\"]"), v1));
        Assert.False(Allowed(When("destination.port", "values: [\"80\"]"), v1));
        Assert.True(Allowed(When("destination.port", "notValues: [\"80\"]"), v1));
        Assert.True(Allowed(When("source.namespace", "values: [default]"), v1));
        Assert.False(Allowed(When("source.principal", $"values: [\"{Principal(Stranger)}\"]"), v1));
        Assert.True(Allowed(When("connection.sni", "values: [\"*.example.com\"]"), v1));
        Assert.False(Allowed(When("connection.sni", "values: [\"*.example.com\"]"), FromFrontend));
        // Both values and notValues: both must hold.
        Assert.False(Allowed(When("request.headers[x-version]", "values: [\"v1*\"], notValues: [v1.2]"), v1));
    }

    [Fact]
    public void When_RequestAuthKeys_PrincipalAudiencesPresenterAndNestedClaims()
    {
        var token = FromFrontend with
        {
            Jwt = AuthorizationProbe.Token("issuer", "alice", """{ "azp": "web", "groups": ["dev", "ops"], "org": { "team": "payments" }, "level": "gold" }""", "api", "admin"),
        };
        Assert.True(Allowed(When("request.auth.principal", "values: [issuer/alice]"), token));
        Assert.False(Allowed(When("request.auth.principal", "values: [issuer/alice]"), FromFrontend));
        Assert.True(Allowed(When("request.auth.audiences", "values: [admin]"), token));
        Assert.False(Allowed(When("request.auth.audiences", "values: [billing]"), token));
        Assert.True(Allowed(When("request.auth.presenter", "values: [web]"), token));
        Assert.True(Allowed(When("request.auth.claims[groups]", "values: [ops]"), token));
        Assert.False(Allowed(When("request.auth.claims[groups]", "values: [admin]"), token));
        Assert.True(Allowed(When("request.auth.claims[level]", "values: [\"go*\"]"), token));
        Assert.True(Allowed(When("request.auth.claims[org][team]", "values: [payments]"), token));
        Assert.False(Allowed(When("request.auth.claims[org][team]", "notValues: [payments]"), token));
        Assert.False(Allowed(When("request.auth.claims[missing]", "values: [\"*\"]"), token));
    }

    [Fact]
    public void Rule_FromEntriesAnyFieldsAllToAndWhenAll_RulesAny()
    {
        var eitherSource = $"{{ from: [{{ source: {{ namespaces: [other] }} }}, {{ source: {{ principals: [\"{Principal(Frontend)}\"] }} }}] }}";
        Assert.True(Allowed(eitherSource, FromFrontend));

        var bothFields = $"{{ from: [{{ source: {{ namespaces: [default], ipBlocks: [\"192.168.0.0/16\"] }} }}] }}";
        Assert.False(Allowed(bothFields, FromFrontend));

        var sourceAndOperation = $"{{ from: [{{ source: {{ namespaces: [default] }} }}], to: [{{ operation: {{ methods: [POST] }} }}] }}";
        Assert.False(Allowed(sourceAndOperation, FromFrontend));
        Assert.True(Allowed(sourceAndOperation, FromFrontend with { Method = "POST" }));

        var twoRules = Policy("default", "two-rules", "rules:\n  - to: [{ operation: { methods: [POST] } }]\n  - to: [{ operation: { paths: [/health] } }]");
        var sim = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, twoRules);
        Assert.Null(sim.Authorize(BackendPort, FromFrontend with { Path = "/health" }));
        Assert.Equal(NoneDetails, sim.Authorize(BackendPort, FromFrontend));
    }

    [Fact]
    public void From_ServiceAccountsAndTrustDomains_FromThePeerIdentity()
    {
        // An account without a namespace is in the policy's namespace (default here).
        Assert.True(Allowed(Source("serviceAccounts: [frontend]"), FromFrontend));
        Assert.True(Allowed(Source("serviceAccounts: [other/stranger]"), FromFrontend with { Peer = Stranger }));
        Assert.False(Allowed(Source("serviceAccounts: [other/frontend]"), FromFrontend));
        Assert.False(Allowed(Source("serviceAccounts: [frontend]"), FromFrontend with { Peer = null }));
        Assert.False(Allowed(Source("notServiceAccounts: [default/frontend]"), FromFrontend));
        Assert.True(Allowed(Source("notServiceAccounts: [default/frontend]"), FromFrontend with { Peer = Stranger }));

        Assert.True(Allowed(Source("trustDomains: [cluster.local]"), FromFrontend));
        Assert.False(Allowed(Source("trustDomains: [\"other.*\"]"), FromFrontend));
        Assert.False(Allowed(Source("notTrustDomains: [cluster.local]"), FromFrontend));
        Assert.True(Allowed(When("source.trustDomain", "values: [\"*.local\"]"), FromFrontend));
    }

    [Fact]
    public void To_PathTemplates_OneSegmentAndAnySegments()
    {
        Assert.True(Allowed(Operation("paths: [\"/api/{*}/info\"]"), FromFrontend with { Path = "/api/v1/info" }));
        Assert.False(Allowed(Operation("paths: [\"/api/{*}/info\"]"), FromFrontend with { Path = "/api/v1/x/info" }));
        Assert.True(Allowed(Operation("paths: [\"/api/{**}\"]"), FromFrontend with { Path = "/api/v1/x/info" }));
        Assert.False(Allowed(Operation("paths: [\"/api/{**}\"]"), FromFrontend with { Path = "/other/v1" }));
        Assert.False(Allowed(Operation("notPaths: [\"/api/{*}/info\"]"), FromFrontend with { Path = "/api/v1/info" }));
    }

    [Fact]
    public void When_ExperimentalKey_FailsClosed_AllowRuleNeverMatchesDenyRuleMatchesWithoutIt()
    {
        const string mysql = "{ when: [{ key: \"experimental.envoy.filters.network.mysql_proxy[db.table]\", values: [\"[update]\"] }] }";
        Assert.False(Allowed(mysql, FromFrontend));

        var deny = Policy("default", "deny-mysql", $"action: DENY\n  rules: [{mysql}]");
        Assert.Equal("rbac_access_denied_matched_policy[ns[default]-policy[deny-mysql]-rule[0]]",
            Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, deny).Authorize(BackendPort, FromFrontend));
    }

    [Fact]
    public void Validation_UnsupportedTargetsAndUnknownKeysAreErrors_ExperimentalKeysAndCustomWarnings()
    {
        var result = IstioConfigLoader.LoadText(string.Join("\n---\n",
            Policy("default", "service-target", "targetRefs: [{ kind: Service, name: backend }]"),
            Policy("default", "mysql", "rules: [{ when: [{ key: \"experimental.envoy.filters.network.mysql_proxy[db.table]\", values: [\"[update]\"] }] }]"),
            Policy("default", "unknown-key", "rules: [{ when: [{ key: source.user, values: [x] }] }]"),
            Policy("default", "bad-header-key", "rules: [{ when: [{ key: \"request.headers[]\", values: [x] }] }]"),
            Policy("default", "ext", "action: CUSTOM\n  provider: { name: opa }\n  rules: [{}]")), "authz.yaml");

        Assert.Contains(result.Errors, e => e.Name == "service-target" && e.FieldPath == "spec.targetRefs[0]" && e.Reason.Contains("Gateway only", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Name == "unknown-key" && e.FieldPath == "spec.rules[0].when[0].key" && e.Reason.Contains("unknown key", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Name == "bad-header-key" && e.FieldPath == "spec.rules[0].when[0].key");
        Assert.DoesNotContain(result.Errors, e => e.Name is "ext" or "mysql");
        Assert.Contains(result.Warnings, w => w.Name == "mysql" && w.FieldPath == "spec.rules[0].when[0].key" && w.Reason.Contains("not supported in this mesh", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Name == "ext" && w.FieldPath == "spec.action" && w.Reason.Contains("CUSTOM (external authorization) is not supported", StringComparison.Ordinal));
    }

    /// <summary>Whether an ALLOW policy with this one rule lets the probe reach backend v1.</summary>
    private static bool Allowed(string rule, AuthorizationProbe probe)
    {
        var policy = Policy("default", "probe", $"rules: [{rule}]");
        return Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, policy).Authorize(BackendPort, probe) is null;
    }

    private static string Source(string fields) => $"{{ from: [{{ source: {{ {fields} }} }}] }}";

    private static string Operation(string fields) => $"{{ to: [{{ operation: {{ {fields} }} }}] }}";

    private static string When(string key, string values) => $"{{ when: [{{ key: \"{key}\", {values} }}] }}";

    private static string Principal(string spiffeId) => spiffeId["spiffe://".Length..];

    private static string Policy(string ns, string name, string spec, bool dryRun = false) => $$"""
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          name: {{name}}
          namespace: {{ns}}
          annotations: { istio.io/dry-run: "{{(dryRun ? "true" : "false")}}" }
        spec:
          {{spec}}
        """;

    private static string Gateway() => """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: ingress, namespace: default }
        spec:
          selector: { istio: ingressgateway }
          servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: ["*"] }]
        """;
}
