using Mesh.Istio;

namespace Mesh.ControlPlane.Tests.Istio;

/// <summary>Runs Istio's own valid and invalid configuration through the loader, one case per document.</summary>
public sealed class IstioConformanceTests
{
    // The analyzer data contradicts the CRD data here: serviceentry-invalid.yaml rejects hosts ["*"] ("hostname cannot be
    // wildcard", a CRD rule), while virtualservice_destinationhosts.yaml declares such a ServiceEntry for the analyzer, which
    // never applies CRD rules. We follow the CRD (what a cluster enforces) and expect exactly that rejection.
    private static readonly (string File, string Resource, string Reason)[] KnownContradictions =
    [
        ("pkg/config/analysis/analyzers/testdata/virtualservice_destinationhosts.yaml", "ServiceEntry service-entry-ignore", "hostname cannot be wildcard"),
    ];

    // Without the data, one case stands for all, and it is skipped (or failed under CI=true) with the reason.
    public static TheoryData<string, int, string> ValidDocuments() =>
        ConformanceFiles.IsPresent ? Cases(ConformanceFiles.ValidFiles()) : new TheoryData<string, int, string> { { "(conformance data absent)", 0, "-" } };

    public static TheoryData<string, int, string> InvalidDocuments() =>
        ConformanceFiles.IsPresent ? Cases(ConformanceFiles.InvalidFiles()) : new TheoryData<string, int, string> { { "(conformance data absent)", 0, "-" } };

    [SkippableTheory]
    [MemberData(nameof(ValidDocuments))]
    public void LoadText_ValidIstioDocument_LoadsWithoutError(string file, int index, string resource)
    {
        ConformanceFiles.SkipUnlessPresent();
        var document = Find(file, index);

        var result = IstioConfigLoader.LoadText(document.Yaml, file);

        var contradiction = Array.Find(KnownContradictions, c => c.File == file && c.Resource == resource);
        if (contradiction.File is not null)
        {
            var error = Assert.Single(result.Errors);
            Assert.Contains(contradiction.Reason, error.ToString(), StringComparison.OrdinalIgnoreCase);
            return;
        }

        Assert.True(result.Errors.Count == 0, $"{file} #{index} {resource}:\n" + string.Join("\n", result.Errors));
    }

    [SkippableTheory]
    [MemberData(nameof(InvalidDocuments))]
    public void LoadText_InvalidIstioDocument_IsRejectedWithIstiosReason(string file, int index, string resource)
    {
        ConformanceFiles.SkipUnlessPresent();
        var document = Find(file, index);
        Assert.False(string.IsNullOrEmpty(document.ExpectedError), $"{file} #{index} {resource} documents no _err");

        var result = IstioConfigLoader.LoadText(document.Yaml, file);

        Assert.Empty(result.Resources);
        Assert.True(
            result.Errors.Any(e => e.ToString().Contains(document.ExpectedError!, StringComparison.OrdinalIgnoreCase)),
            $"{file} #{index} {resource}: expected an error containing \"{document.ExpectedError}\", got:\n" + string.Join("\n", result.Errors));
    }

    private static ConformanceDocument Find(string file, int index) =>
        ConformanceFiles.Documents(file).Single(d => d.Index == index);

    private static TheoryData<string, int, string> Cases(IEnumerable<string> files)
    {
        var data = new TheoryData<string, int, string>();
        foreach (var file in files)
        {
            foreach (var document in ConformanceFiles.Documents(file))
            {
                data.Add(document.File, document.Index, document.Resource);
            }
        }

        return data;
    }
}
