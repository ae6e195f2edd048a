using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Contracts.Discovery;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>PeerAuthentication on inbound listeners (Istio's precedence) and DestinationRule TLS / auto mTLS on outbound clusters.</summary>
public sealed class MutualTlsSimulationTests
{
    private const string BackendCluster = "outbound|9080||backend.default.svc.cluster.local";
    private const string BackendId = "spiffe://cluster.local/ns/default/sa/backend";

    [Fact]
    public void Inbound_NoPolicy_Permissive()
    {
        var sim = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads);
        Assert.Equal(InboundTlsMode.Permissive, InboundMode(sim, 17002));
    }

    [Fact]
    public void Inbound_MeshWideStrict_NamespaceUnsetInheritsAndSelectorDisableWins()
    {
        var meshWide = Policy("istio-system", "default", "mtls: { mode: STRICT }");
        var namespaceUnset = Policy("default", "default", "mtls: { mode: UNSET }");
        var strict = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, meshWide, namespaceUnset);
        Assert.Equal(InboundTlsMode.Strict, InboundMode(strict, 17002));

        var selector = Policy("default", "backend-v2-off", "selector: { matchLabels: { version: v2 } }\n  mtls: { mode: DISABLE }");
        Assert.Equal(InboundTlsMode.Strict, InboundMode(Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, meshWide, selector), 17002));
        Assert.Equal(InboundTlsMode.Disable, InboundMode(Simulation.Sidecar("backend-v2", "default", DemoYaml.Workloads, meshWide, selector), 17003));
    }

    [Fact]
    public void Inbound_NamespacePolicy_OverridesMeshWideOnlyInItsNamespace()
    {
        var meshWide = Policy("istio-system", "default", "mtls: { mode: STRICT }");
        var other = Policy("other", "default", "mtls: { mode: DISABLE }");
        var permissive = Policy("default", "default", "mtls: { mode: PERMISSIVE }");
        Assert.Equal(InboundTlsMode.Strict, InboundMode(Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, meshWide, other), 17002));
        Assert.Equal(InboundTlsMode.Permissive, InboundMode(Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, meshWide, permissive), 17002));
    }

    [Fact]
    public void Inbound_PortLevelMtls_AppliesToThatPortOfSelectedWorkloads()
    {
        var policy = Policy("default", "backend", "selector: { matchLabels: { app: backend } }\n  mtls: { mode: STRICT }\n  portLevelMtls: { 17002: { mode: PERMISSIVE } }");
        Assert.Equal(InboundTlsMode.Permissive, InboundMode(Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, policy), 17002));
        Assert.Equal(InboundTlsMode.Strict, InboundMode(Simulation.Sidecar("backend-v2", "default", DemoYaml.Workloads, policy), 17003));
    }

    [Fact]
    public void Outbound_NoDestinationRuleTls_AutoMutualTlsWithTheEndpointsIdentities()
    {
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, DemoYaml.BackendSubsets);
        var tls = sim.Cluster(BackendCluster).Tls;
        Assert.Equal(UpstreamTlsMode.IstioMutual, tls.Mode);
        Assert.True(tls.Auto);
        Assert.Equal([BackendId], tls.SubjectAltNames);
        Assert.Equal("outbound_.9080_._.backend.default.svc.cluster.local", tls.Sni);
        Assert.Equal("outbound_.9080_.v1_.backend.default.svc.cluster.local", sim.Cluster("outbound|9080|v1|backend.default.svc.cluster.local").Tls.Sni);
    }

    [Fact]
    public void Outbound_DestinationPeerAuthenticationDisable_AutoMtlsFallsBackToPlaintext()
    {
        var off = Policy("default", "default", "mtls: { mode: DISABLE }");
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, off);
        Assert.Null(sim.Cluster(BackendCluster).Tls);
    }

    [Fact]
    public void Outbound_ServiceWithoutSidecars_Plaintext()
    {
        const string external = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: httpbin, namespace: default }
            spec:
              hosts: [httpbin.org]
              ports: [{ number: 80, name: http, protocol: HTTP }]
              resolution: STATIC
              endpoints: [{ address: 127.0.0.9 }]
            """;
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, external);
        Assert.Null(sim.Cluster("outbound|80||httpbin.org").Tls);
    }

    [Fact]
    public void Outbound_DestinationRuleDisableAndSimple_OverrideAutoMtls()
    {
        // The proxy loads caCertificates when it compiles the cluster: give it a real CA file.
        using var folder = new TempDirectory();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = new CertificateRequest("CN=backend-ca", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var caFile = folder.Write("ca.pem", ca.ExportCertificatePem());
        var rule = $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: backend, namespace: default }
            spec:
              host: backend
              trafficPolicy: { tls: { mode: DISABLE } }
              subsets:
              - name: v1
                labels: { version: v1 }
                trafficPolicy: { tls: { mode: SIMPLE, sni: backend.example.com, caCertificates: {{caFile}}, subjectAltNames: [backend.example.com] } }
            """;
        var sim = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, rule);
        Assert.Null(sim.Cluster(BackendCluster).Tls);
        var v1 = sim.Cluster("outbound|9080|v1|backend.default.svc.cluster.local").Tls;
        Assert.Equal(UpstreamTlsMode.Simple, v1.Mode);
        Assert.Equal("backend.example.com", v1.Sni);
        Assert.Equal(caFile, v1.CaCertificates);
        Assert.Equal(["backend.example.com"], v1.SubjectAltNames);
        Assert.False(v1.InsecureSkipVerify);
    }

    [Fact]
    public void Outbound_SimpleWithInsecureSkipVerify_CarriedToTheCluster()
    {
        var tls = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, BackendRule("trafficPolicy: { tls: { mode: SIMPLE, insecureSkipVerify: true } }"))
            .Cluster(BackendCluster).Tls;
        Assert.Equal((UpstreamTlsMode.Simple, true), (tls.Mode, tls.InsecureSkipVerify));
    }

    [Theory]
    [InlineData("", UpstreamTlsMode.IstioMutual, new[] { BackendId, "spiffe://cluster.local/ns/vms/sa/backend-vm" })]  // accepted beside the endpoints'
    [InlineData("trafficPolicy: { tls: { mode: SIMPLE } }", UpstreamTlsMode.Simple, new[] { "spiffe://cluster.local/ns/vms/sa/backend-vm" })]
    [InlineData("trafficPolicy: { tls: { mode: SIMPLE, subjectAltNames: [backend.example.com] } }", UpstreamTlsMode.Simple, new[] { "backend.example.com" })]
    public void Outbound_ServiceEntrySubjectAltNames_IdentitiesItsServersMayPresent(string policy, UpstreamTlsMode mode, string[] expected)
    {
        var workloads = DemoYaml.Workloads.Replace(
            "hosts: [backend.default.svc.cluster.local]",
            "hosts: [backend.default.svc.cluster.local]\n  subjectAltNames: [spiffe://cluster.local/ns/vms/sa/backend-vm]",
            StringComparison.Ordinal);
        Assert.NotEqual(DemoYaml.Workloads, workloads);
        string[] rule = policy.Length == 0 ? [] : [BackendRule(policy)];

        var tls = Simulation.Sidecar("frontend-v1", "default", [workloads, .. rule]).Cluster(BackendCluster).Tls;

        Assert.Equal(mode, tls.Mode);
        Assert.Equal(expected, tls.SubjectAltNames);
    }

    [Fact]
    public void Outbound_ExplicitIstioMutual_NotAuto()
    {
        // insecureSkipVerify has no effect under ISTIO_MUTUAL, as in Istio: the peer's identity is always verified.
        var rule = BackendRule("trafficPolicy: { tls: { mode: ISTIO_MUTUAL, insecureSkipVerify: true } }");
        var tls = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads, rule).Cluster(BackendCluster).Tls;
        Assert.Equal(UpstreamTlsMode.IstioMutual, tls.Mode);
        Assert.False(tls.InsecureSkipVerify);
        Assert.False(tls.Auto);
        Assert.Equal([BackendId], tls.SubjectAltNames);
    }

    /// <summary>A DestinationRule for backend with <paramref name="spec"/> beside its host (one line, flow style).</summary>
    private static string BackendRule(string spec) => $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: backend, namespace: default }
        spec:
          host: backend
          {{spec}}
        """;

    private static InboundTlsMode InboundMode(Simulation sim, uint port) =>
        Assert.Single(sim.Resources.Listeners, l => l.Name == $"virtualInbound_{port}").TlsMode;

    private static string Policy(string ns, string name, string spec) => $$"""
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: { name: {{name}}, namespace: {{ns}} }
        spec:
          {{spec}}
        """;
}
