using Mesh.Istio;
using Mesh.Istio.Analysis;
using Mesh.ControlPlane.Tests.Istio;

namespace Mesh.ControlPlane.Tests.Analysis;

/// <summary>The analyzer on Istio's own files: samples and pilot's test config, and istioctl analyze's test inputs.</summary>
public sealed class AnalyzerConformanceTests
{
    private const string AnalyzerData = "pkg/config/analysis/analyzers/testdata/";

    public static TheoryData<string> ValidFiles() =>
        ConformanceFiles.IsPresent ? new TheoryData<string>(ConformanceFiles.ValidFiles()) : new TheoryData<string> { "(conformance data absent)" };

    [SkippableTheory]
    [MemberData(nameof(ValidFiles))]
    public void Analyze_IstioFile_ReportsNoEffectOnlyForListedFields(string file)
    {
        ConformanceFiles.SkipUnlessPresent();

        var messages = MeshAnalyzer.Analyze(IstioConfigLoader.LoadFile(Path.Combine(ConformanceFiles.Root, file)).Resources);

        foreach (var message in messages.Where(m => m.Type == AnalysisMessageType.NotEffective))
        {
            Assert.True(
                NotEffectiveFields.All.Any(e => e.Kind == message.Resource.Kind && (message.FieldPath.Length == 0 ? e.Path.Length == 0 : e.Matches(message.FieldPath))),
                $"{file}: {message} names no entry of the list");
        }
    }

    [SkippableTheory]
    [InlineData("samples/bookinfo/networking/virtual-service-all-v1.yaml")]
    [InlineData("samples/bookinfo/networking/destination-rule-all.yaml")]
    [InlineData("samples/bookinfo/networking/destination-rule-all-mtls.yaml")]
    [InlineData("samples/bookinfo/networking/virtual-service-reviews-80-20.yaml")]
    [InlineData("samples/bookinfo/networking/virtual-service-reviews-test-v2.yaml")]
    [InlineData("samples/bookinfo/networking/bookinfo-gateway.yaml")]
    [InlineData("samples/bookinfo/networking/egress-rule-google-apis.yaml")]
    public void Analyze_SampleUsingSupportedFields_ReportsNoFieldWithoutEffect(string file)
    {
        ConformanceFiles.SkipUnlessPresent();

        var messages = MeshAnalyzer.Analyze(IstioConfigLoader.LoadFile(Path.Combine(ConformanceFiles.Root, file)).Resources);

        Assert.DoesNotContain(messages, m => m.Type == AnalysisMessageType.NotEffective);
    }

    [SkippableFact]
    public void Load_PilotDestinationRuleAll_ReportsOnlyTheValueWithoutEffect()
    {
        ConformanceFiles.SkipUnlessPresent();

        // Istio's "every DestinationRule field" file: all of it takes effect but maxRequestsPerConnection: 65 (only 1 can).
        var loaded = IstioConfigLoader.LoadFile(Path.Combine(ConformanceFiles.Root, "tests/testdata/config/destination-rule-all.yaml"));
        var messages = MeshAnalyzer.Analyze(loaded.Resources);

        Assert.DoesNotContain(messages, m => m.Type == AnalysisMessageType.NotEffective);
        var warning = Assert.Single(loaded.Warnings);
        Assert.Contains("spec.trafficPolicy.connectionPool.http.maxRequestsPerConnection: has no effect in this mesh for 65", warning.ToString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Analyze_IstioConflictingGateways_ReportsIst0145ForBoth()
    {
        ConformanceFiles.SkipUnlessPresent();

        Assert.Equal(["Gateway default/alpha", "Gateway default/beta"], Resources(Analyze("conflicting-gateways.yaml"), "IST0145"));
    }

    [SkippableFact]
    public void Analyze_IstioDestinationRuleData_ReportsTheBogusSubsets()
    {
        ConformanceFiles.SkipUnlessPresent();

        // The data's hosts are Kubernetes Services, which this mesh does not read: only the subset references are compared.
        var subsets = Analyze("virtualservice_destinationrules.yaml").Where(m => m.Text.StartsWith("Referenced host+subset", StringComparison.Ordinal)).ToList();

        Assert.Equal(["VirtualService default/reviews-bogussubset", "VirtualService default/reviews-mirror-bogussubset"], Resources(subsets, "IST0101"));
    }

    [SkippableFact]
    public void Analyze_IstioGatewayData_ReportsTheMissingGatewayOnly()
    {
        ConformanceFiles.SkipUnlessPresent();

        var gateways = Analyze("virtualservice_gateways.yaml").Where(m => m.Text.StartsWith("Referenced gateway", StringComparison.Ordinal)).ToList();

        Assert.Equal(["VirtualService default/httpbin-bogus"], Resources(gateways, "IST0101"));
    }

    [SkippableFact]
    public void Analyze_IstioDuplicateMatchData_ReportsIstiosUnreachableRulesAndIneffectiveMatches()
    {
        ConformanceFiles.SkipUnlessPresent();

        var messages = Analyze("virtualservice_dupmatches.yaml");

        Assert.Equal(
            ["VirtualService default/duplicate-empty-tcp", "VirtualService default/duplicate-match", "VirtualService default/duplicate-tcp-match",
                "VirtualService foo/sample-foo-cluster01", "VirtualService none/tls-routing"],
            Resources(messages, "IST0130"));
        Assert.Equal(
            ["VirtualService default/almost-duplicate-match", "VirtualService default/almost-duplicate-tcp-match", "VirtualService default/duplicate-match",
                "VirtualService default/duplicate-tcp-match", "VirtualService none/tls-routing", "VirtualService none/tls-routing-almostmatch"],
            Resources(messages, "IST0131"));
    }

    private static IReadOnlyList<AnalysisMessage> Analyze(string file)
    {
        var result = IstioConfigLoader.LoadFile(Path.Combine(ConformanceFiles.Root, AnalyzerData + file));
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        return MeshAnalyzer.Analyze(result.Resources);
    }

    private static List<string> Resources(IEnumerable<AnalysisMessage> messages, string code) =>
        messages.Where(m => m.Type.Code == code).Select(m => m.Resource.ToString()).Distinct().Order(StringComparer.Ordinal).ToList();
}
