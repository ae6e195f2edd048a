using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;
using Mesh.Tests.Shared;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// Which RequestAuthentications reach a proxy (Istio: every applicable one, merged — root namespace, the workload's
/// namespace, selector, targetRefs on a gateway) and how their rules become the listener's JWT providers.
/// </summary>
public sealed class RequestAuthenticationSimulationTests
{
    private const string InlineKeys = """{"keys":[]}""";

    [Fact]
    public void Inbound_NoPolicy_NoJwtAuthentication()
    {
        var sim = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads);
        Assert.Null(Inbound(sim, 17002).JwtAuthentication);
    }

    [Fact]
    public void Inbound_RootNamespaceAndNamespacePolicies_MergedNamespaceFirst()
    {
        var meshWide = Policy("istio-system", "mesh", "jwtRules: [{ issuer: https://mesh.example.com, jwksUri: https://mesh.example.com/jwks }]");
        var namespaced = Policy("default", "ns", "jwtRules: [{ issuer: https://ns.example.com, jwks: '" + InlineKeys + "' }]");
        var elsewhere = Policy("other", "ns", "jwtRules: [{ issuer: https://other.example.com }]");

        var sim = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, meshWide, namespaced, elsewhere);

        var providers = Inbound(sim, 17002).JwtAuthentication.Providers;
        Assert.Equal(["https://ns.example.com", "https://mesh.example.com"], providers.Select(p => p.Issuer));
        Assert.Equal("default/ns jwtRules[0]", providers[0].Origin);
        Assert.Equal(InlineKeys, providers[0].Jwks);
    }

    [Fact]
    public void Inbound_SelectorPolicy_OnlyTheSelectedWorkloads()
    {
        var v2Only = Policy("default", "v2", "selector: { matchLabels: { version: v2 } }\njwtRules: [{ issuer: https://v2.example.com }]");

        Assert.Null(Inbound(Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, v2Only), 17002).JwtAuthentication);
        Assert.Single(Inbound(Simulation.Sidecar("backend-v2", "default", DemoYaml.Workloads, v2Only), 17003).JwtAuthentication.Providers);
    }

    [Fact]
    public void Inbound_RuleWithoutLocations_EnvoysDefaultsAndNoForwarding()
    {
        var policy = Policy("default", "jwt", "jwtRules: [{ issuer: https://issuer.example.com, jwks: '" + InlineKeys + "' }]");

        var provider = Assert.Single(Inbound(Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, policy), 17002).JwtAuthentication.Providers);

        Assert.Equal(new JwtHeaderLocation { Name = "Authorization", Prefix = "Bearer " }, Assert.Single(provider.FromHeaders));
        Assert.Equal(["access_token"], provider.FromParams);
        Assert.Empty(provider.FromCookies);
        Assert.False(provider.ForwardOriginalToken);
    }

    [Fact]
    public void Inbound_RuleWithLocationsAndOutputs_CarriedAsWritten()
    {
        var policy = Policy("default", "jwt", """
            jwtRules:
              - issuer: https://issuer.example.com
                jwks: '{"keys":[]}'
                audiences: [orders]
                fromCookies: [session]
                outputPayloadToHeader: x-jwt-payload
                forwardOriginalToken: true
                outputClaimToHeaders: [{ header: x-group, claim: group }]
            """);

        var provider = Assert.Single(Inbound(Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, policy), 17002).JwtAuthentication.Providers);

        Assert.Empty(provider.FromHeaders);
        Assert.Empty(provider.FromParams);
        Assert.Equal(["session"], provider.FromCookies);
        Assert.Equal(["orders"], provider.Audiences);
        Assert.Equal("x-jwt-payload", provider.OutputPayloadToHeader);
        Assert.True(provider.ForwardOriginalToken);
        Assert.Equal(new JwtClaimToHeader { Header = "x-group", Claim = "group" }, Assert.Single(provider.OutputClaimToHeaders));
    }

    [Fact]
    public void Inbound_JwksUri_FetchedKeysInlineOrFailClosedUntilFetched()
    {
        using var issuer = TestJwtIssuer.Rsa("https://issuer.example.com");
        var policy = Policy("default", "jwt", "jwtRules: [{ issuer: https://issuer.example.com, jwksUri: 'https://issuer.example.com/jwks' }]");
        var resources = IstioConfigLoader.LoadText(string.Join("\n---\n", DemoYaml.Workloads, policy), "test.yaml").Resources;
        var node = TestNodes.Sidecar("backend-v1", "default");

        var notFetched = MeshSnapshotBuilder.Build(1, resources);
        var fetched = MeshSnapshotBuilder.Build(2, resources, jwksByUri: new Dictionary<string, string> { ["https://issuer.example.com/jwks"] = issuer.Jwks() });

        Assert.Equal(RequestAuthenticationTranslator.FailClosedJwks, JwksOf(ProxyConfigGenerator.Generate(node, notFetched)));
        Assert.Equal(issuer.Jwks(), JwksOf(ProxyConfigGenerator.Generate(node, fetched)));
    }

    [Fact]
    public void Gateway_SelectorOrTargetRefs_OnEveryGatewayListener()
    {
        var bySelector = Policy("default", "by-selector", "selector: { matchLabels: { istio: ingressgateway } }\njwtRules: [{ issuer: https://a.example.com }]");
        var byTarget = Policy("default", "by-target", "targetRefs: [{ kind: Gateway, group: gateway.networking.k8s.io, name: public }]\njwtRules: [{ issuer: https://b.example.com }]");
        var labels = new Dictionary<string, string> { ["istio"] = "ingressgateway", [PolicyScope.GatewayNameLabel] = "public" };

        var sim = Simulation.Router("istio-ingressgateway", "default", labels, DemoYaml.Workloads, GatewayYaml, bySelector, byTarget);
        var other = Simulation.Router("istio-ingressgateway", "default", new Dictionary<string, string> { ["istio"] = "ingressgateway" }, DemoYaml.Workloads, GatewayYaml, byTarget);

        var listener = Assert.Single(sim.Resources.Listeners);
        Assert.Equal(["https://a.example.com", "https://b.example.com"], listener.JwtAuthentication.Providers.Select(p => p.Issuer));
        Assert.Null(Assert.Single(other.Resources.Listeners).JwtAuthentication);
    }

    private const string GatewayYaml = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: public, namespace: default }
        spec:
          selector: { istio: ingressgateway }
          servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: ["*"] }]
        """;

    private static string JwksOf(ProxyResources resources) =>
        Assert.Single(Assert.Single(resources.Listeners, l => l.Name == "virtualInbound_17002").JwtAuthentication.Providers).Jwks;

    private static Listener Inbound(Simulation sim, uint port) => Assert.Single(sim.Resources.Listeners, l => l.Name == $"virtualInbound_{port}");

    private static string Policy(string ns, string name, string spec) => $$"""
        apiVersion: security.istio.io/v1
        kind: RequestAuthentication
        metadata: { name: {{name}}, namespace: {{ns}} }
        spec:
          {{spec.Replace("\n", "\n  ", StringComparison.Ordinal)}}
        """;
}
