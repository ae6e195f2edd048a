using Mesh.Istio;
using Mesh.Istio.Analysis;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Tests.Istio;

/// <summary>The Sidecar kind: read into the model, validated with Istio's rules (errors by field path), and analysed.</summary>
public sealed class SidecarLoaderTests
{
    private static string WithEgress(string egress) => $$"""
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: { name: default, namespace: shop }
        spec:
          egress:
        {{egress}}
        """;

    [Fact]
    public void LoadText_Sidecar_MapsEveryField()
    {
        var result = IstioConfigLoader.LoadText("""
            apiVersion: networking.istio.io/v1beta1
            kind: Sidecar
            metadata: { name: web, namespace: shop }
            spec:
              workloadSelector: { labels: { app: web } }
              egress:
              - port: { number: 9090, protocol: GRPC, name: grpc }
                hosts: [shop/pay.shop.svc.cluster.local]
              - hosts: ["./*", "istio-system/*"]
              outboundTrafficPolicy: { mode: REGISTRY_ONLY }
            """, "sidecar.yaml");

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        var spec = Assert.IsType<Sidecar>(Assert.Single(result.Resources)).Spec;
        Assert.Equal("web", spec.WorkloadSelector!.Labels["app"]);
        Assert.Equal(9090u, spec.Egress[0].Port!.Number);
        Assert.Equal(["./*", "istio-system/*"], spec.Egress[1].Hosts);
        Assert.Equal(OutboundTrafficMode.RegistryOnly, spec.OutboundTrafficPolicy!.Mode);
    }

    [Theory]
    [InlineData("  - hosts: [cart]", "spec.egress[0].hosts[0]", "host must be of form namespace/dnsName")]
    [InlineData("  - hosts: [\"/cart\"]", "spec.egress[0].hosts[0]", "config namespace and dnsName in host entry cannot be empty")]
    [InlineData("  - hosts: [\"./\"]", "spec.egress[0].hosts[0]", "config namespace and dnsName in host entry cannot be empty")]
    [InlineData("  - hosts: [Shop_1/cart]", "spec.egress[0].hosts[0]", "invalid namespace value \"Shop_1\" in sidecar")]
    [InlineData("  - hosts: [\"./*\", \"*/a..b\"]", "spec.egress[0].hosts[1]", "\"*/a..b\"")]
    [InlineData("  - hosts: [\"*/*.*.example.com\"]", "spec.egress[0].hosts[0]", "\"*/*.*.example.com\"")]
    [InlineData("  - hosts: []", "spec.egress[0].hosts", "egress listener must contain at least one host")]
    [InlineData("  - hosts: [\"./*\"]\n  - port: { number: 80, protocol: HTTP }\n    hosts: [\"./*\"]", "spec.egress[0].port", "the egress listener with empty port should be the last listener")]
    [InlineData("  - port: { number: 80, protocol: HTTP }\n    hosts: [\"./*\"]\n  - port: { number: 80, protocol: HTTP }\n    hosts: [\"*/*\"]", "spec.egress[1].port.number", "ports on IP bound listeners must be unique")]
    [InlineData("  - port: { number: 80, protocol: HTTPX }\n    hosts: [\"./*\"]", "spec.egress[0].port.protocol", "unrecognized protocol")]
    [InlineData("  - port: { number: 0, protocol: HTTP }\n    hosts: [\"./*\"]", "spec.egress[0].bind", "ports with 0 value must have a unix domain socket bind address")]
    [InlineData("  - port: { number: 80, protocol: HTTP }\n    bind: not-an-ip\n    hosts: [\"./*\"]", "spec.egress[0].bind", "bind must be an IP address")]
    public void LoadText_BadEgress_RejectedWithTheFieldPath(string egress, string path, string reason)
    {
        var result = IstioConfigLoader.LoadText(WithEgress(egress), "sidecar.yaml");

        Assert.Empty(result.Resources);
        Assert.Contains(result.Errors, e => e.FieldPath == path && e.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void LoadText_EmptySidecar_Rejected()
    {
        var result = IstioConfigLoader.LoadText("""
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: default, namespace: shop }
            spec: { workloadSelector: { labels: { app: web } } }
            """, "sidecar.yaml");

        Assert.Contains(result.Errors, e => e.FieldPath == "spec" && e.Reason.Contains("empty configuration provided", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadText_EgressProxyUnderRegistryOnly_Rejected()
    {
        var result = IstioConfigLoader.LoadText("""
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: default, namespace: shop }
            spec:
              outboundTrafficPolicy:
                mode: REGISTRY_ONLY
                egressProxy: { host: proxy.example.com, port: { number: 3128 } }
            """, "sidecar.yaml");

        Assert.Contains(result.Errors, e => e.FieldPath == "spec.outboundTrafficPolicy.egressProxy" && e.Reason.Contains("ALLOW_ANY", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadText_DuplicateEgressHosts_Warned()
    {
        var result = IstioConfigLoader.LoadText(WithEgress("  - hosts: [\"shop/*\", \"./cart\", \"*/*\"]"), "sidecar.yaml");

        Assert.Single(result.Resources);
        Assert.Contains(result.Warnings, w => w.FieldPath == "spec.egress[0].hosts[1]" && w.Reason == "duplicated egress host: ./cart");
        Assert.Contains(result.Warnings, w => w.FieldPath == "spec.egress[0].hosts" && w.Reason.Contains("`*/*` host select all resources", StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_FieldsNotImplemented_ReportedEachWhereWritten_TheResourceNot()
    {
        var result = IstioConfigLoader.LoadText("""
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: default, namespace: shop }
            spec:
              ingress:
              - port: { number: 9080, protocol: HTTP, name: http }
                defaultEndpoint: 127.0.0.1:8080
                bind: 0.0.0.0
                captureMode: NONE
              inboundConnectionPool: { http: { http1MaxPendingRequests: 10 } }
              egress:
              - port: { number: 80, protocol: HTTP }
                bind: 127.0.0.2
                captureMode: NONE
                hosts: ["./*"]
              outboundTrafficPolicy:
                mode: ALLOW_ANY
                egressProxy: { host: proxy.example.com, port: { number: 3128 } }
            """, "sidecar.yaml");
        Assert.Empty(result.Errors);

        var messages = MeshAnalyzer.Analyze(result.Resources).Where(m => m.Type.Code == "MESH0001").ToArray();

        Assert.Equal(
            ["spec.egress[0].bind", "spec.egress[0].captureMode", "spec.egress[0].port.protocol", "spec.ingress[0].bind", "spec.ingress[0].captureMode", "spec.outboundTrafficPolicy.egressProxy"],
            messages.Select(m => m.FieldPath).Order(StringComparer.Ordinal));
        Assert.All(messages, m => Assert.NotNull(m.Line));
    }

    [Fact]
    public void Analyze_ConflictingSidecars_ReportsIst0111AndIst0110NamingTheOneApplied()
    {
        var result = IstioConfigLoader.LoadText("""
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: b, namespace: shop }
            spec: { egress: [{ hosts: ["./*"] }] }
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: a, namespace: shop }
            spec: { egress: [{ hosts: ["*/*"] }] }
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: web, namespace: shop }
            spec: { workloadSelector: { labels: { app: web } }, egress: [{ hosts: ["./*"] }] }
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: web-tier, namespace: shop }
            spec: { workloadSelector: { labels: { tier: front } }, egress: [{ hosts: ["./*"] }] }
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: worker, namespace: shop }
            spec: { workloadSelector: { labels: { app: worker } }, egress: [{ hosts: ["./*"] }] }
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: { name: web-1, namespace: shop }
            spec: { address: 127.0.0.31, labels: { app: web, tier: front } }
            """, "sidecars.yaml");
        Assert.Empty(result.Errors);

        var messages = MeshAnalyzer.Analyze(result.Resources);

        var wide = messages.Where(m => m.Type.Code == "IST0111").ToArray();
        Assert.Equal(["a", "b"], wide.Select(m => m.Resource.Name).Order(StringComparer.Ordinal));
        Assert.All(wide, m => Assert.EndsWith("this mesh applies a.", m.Text, StringComparison.Ordinal));
        var selecting = messages.Where(m => m.Type.Code == "IST0110").ToArray();
        Assert.Equal(["web", "web-tier"], selecting.Select(m => m.Resource.Name).Order(StringComparer.Ordinal));
        Assert.All(selecting, m => Assert.Contains("select the same workload \"web-1\"", m.Text, StringComparison.Ordinal));
    }
}
