using Mesh.Istio;
using Mesh.Istio.Analysis;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Tests.Istio;

/// <summary>ProxyConfig through the loader: every field read, the one version Istio serves, Istio's validation, and what the analyzer reports.</summary>
public sealed class ProxyConfigLoaderTests
{
    private const string Full = """
        apiVersion: networking.istio.io/v1beta1
        kind: ProxyConfig
        metadata: { name: ratings-workers, namespace: bookinfo }
        spec:
          selector: { matchLabels: { app: ratings } }
          concurrency: 2
          environmentVariables: { OTEL_SERVICE_NAME: ratings, ISTIO_META_DNS_CAPTURE: "true" }
          image: { imageType: distroless }
        """;

    [Fact]
    public void LoadText_EveryField_ReadAndOnlyTheImageReportedWithoutEffect()
    {
        var result = IstioConfigLoader.LoadText(Full, "proxyconfig.yaml");

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        var spec = Assert.IsType<ProxyConfig>(Assert.Single(result.Resources)).Spec;
        Assert.Equal(("ratings", 2, "distroless"), (spec.Selector!.MatchLabels["app"], spec.Concurrency, spec.ImageType));
        Assert.Equal(["OTEL_SERVICE_NAME=ratings", "ISTIO_META_DNS_CAPTURE=true"], spec.EnvironmentVariables.Select(v => $"{v.Key}={v.Value}"));
        var notEffective = Assert.Single(MeshAnalyzer.Analyze(result.Resources), m => m.Type.Code == "MESH0001");
        Assert.Equal("spec.image", notEffective.FieldPath);
    }

    [Fact]
    public void LoadText_WithoutImage_NothingReported()
    {
        var result = IstioConfigLoader.LoadText("""
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: { name: mesh, namespace: istio-system }
            spec: { concurrency: 0 }
            """, "proxyconfig.yaml");

        Assert.Empty(result.Errors);
        Assert.Null(Assert.IsType<ProxyConfig>(Assert.Single(result.Resources)).Spec.Selector);
        Assert.Empty(MeshAnalyzer.Analyze(result.Resources));
    }

    [Theory]
    [InlineData("networking.istio.io/v1")]
    [InlineData("networking.istio.io/v1alpha3")]
    public void LoadText_AVersionIstioDoesNotServeItAt_Refused(string apiVersion)
    {
        var result = IstioConfigLoader.LoadText(Full.Replace("networking.istio.io/v1beta1", apiVersion, StringComparison.Ordinal), "proxyconfig.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal("apiVersion", error.FieldPath);
        Assert.Contains("ProxyConfig is served at networking.istio.io/{v1beta1}", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("concurrency: -1", "spec.concurrency", "concurrency must be greater than or equal to 0")]
    [InlineData("environmentVariables: { \"A=B\": x }", "spec.environmentVariables[A=B]", "printable ASCII characters other than '='")]
    [InlineData("selector: { matchLabels: { app: \"rat*\" } }", "spec.selector.matchLabels[app]", "wildcard is not supported in selector")]
    [InlineData("concurrency: two", "spec.concurrency", "a 32-bit integer")]
    public void LoadText_InvalidField_RefusedAtItsPath(string field, string path, string reason)
    {
        var result = IstioConfigLoader.LoadText($"""
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: {"{"} name: bad, namespace: default {"}"}
            spec:
              {field}
            """, "proxyconfig.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.FieldPath);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_ValueOverTheCrdLimit_Refused()
    {
        var result = IstioConfigLoader.LoadText($"""
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: {"{"} name: long, namespace: default {"}"}
            spec:
              environmentVariables: {"{"} OTEL_RESOURCE_ATTRIBUTES: {new string('a', 2049)} {"}"}
            """, "proxyconfig.yaml");

        Assert.Equal("spec.environmentVariables[OTEL_RESOURCE_ATTRIBUTES]", Assert.Single(result.Errors).FieldPath);
    }

    [Fact]
    public void Analyze_TwoWithoutSelectorOrWithTheSameOne_EachToldWhichApplies()
    {
        var result = IstioConfigLoader.LoadText("""
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: { name: b-wide, namespace: shop }
            spec: { concurrency: 2 }
            ---
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: { name: a-wide, namespace: shop }
            spec: { concurrency: 1 }
            ---
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: { name: ledger, namespace: shop }
            spec: { selector: { matchLabels: { app: ledger, tier: db } }, concurrency: 1 }
            ---
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: { name: ledger-2, namespace: shop }
            spec: { selector: { matchLabels: { tier: db, app: ledger } }, concurrency: 2 }
            ---
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: { name: cart, namespace: shop }
            spec: { selector: { matchLabels: { app: cart } }, concurrency: 2 }
            ---
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: { name: wide, namespace: other }
            spec: { concurrency: 2 }
            """, "proxyconfigs.yaml");

        var conflicts = MeshAnalyzer.Analyze(result.Resources).Where(m => m.Type.Code == "MESH0004").ToList();

        Assert.Equal(["a-wide", "b-wide", "ledger", "ledger-2"], conflicts.Select(m => m.Resource.Name).Order());
        Assert.Contains(conflicts, m => m.Text == "The ProxyConfigs [a-wide b-wide] in namespace \"shop\" have no selector, which Istio allows one of: this mesh applies a-wide.");
        Assert.Contains(conflicts, m => m.Text == "The ProxyConfigs [ledger ledger-2] in namespace \"shop\" have the same selector (app=ledger,tier=db), which Istio allows one of: this mesh applies ledger.");
    }

    [Fact]
    public void LoadText_SelectorWithoutLabels_WarnedThatItAppliesToNoPod()
    {
        var result = IstioConfigLoader.LoadText("""
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: { name: nothing, namespace: default }
            spec: { selector: {}, concurrency: 1 }
            """, "proxyconfig.yaml");

        Assert.Empty(result.Errors);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("spec.selector", warning.FieldPath);
        Assert.Contains("applies to none", warning.Reason, StringComparison.Ordinal);
    }
}
