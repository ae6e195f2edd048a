using YamlDotNet.RepresentationModel;

namespace Mesh.ControlPlane.Tests.Istio;

/// <summary>Finds the Istio conformance data (copied from istio/istio) next to the repository and splits it into one case per document.</summary>
internal static class ConformanceFiles
{
    // Files the data's README marks valid: samples, pilot's test config, the *-valid CRD cases and the analyzer data.
    private static readonly string[] ValidFolders = ["samples", "tests/testdata/config", "pkg/config/analysis/analyzers/testdata"];

    /// <summary>Where the data is expected: <c>../shared/conformance/istio</c> beside the repository (CI puts it there; a user's clone lacks it).</summary>
    public static string ExpectedRoot { get; } = FindExpectedRoot();

    public static bool IsPresent => Directory.Exists(ExpectedRoot);

    public static string Root
    {
        get
        {
            Assert.True(IsPresent, $"Istio conformance data missing: expected it at {ExpectedRoot}");
            return ExpectedRoot;
        }
    }

    /// <summary>
    /// Skips the calling test when the data is absent, naming the missing folder; under <c>CI=true</c> the data must be
    /// there, so its absence fails the test instead.
    /// </summary>
    public static void SkipUnlessPresent()
    {
        if (IsPresent)
        {
            return;
        }

        var message = $"Istio conformance data not found at {ExpectedRoot} (../shared/conformance beside the repository)";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message + "; CI=true requires it.");
        }

        Skip.If(true, message);
    }

    private static string FindExpectedRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Mesh.sln")))
        {
            directory = directory.Parent;
        }

        Assert.True(directory is not null, $"no folder holding Mesh.sln above {AppContext.BaseDirectory}");
        return Path.GetFullPath(Path.Combine(directory!.FullName, "..", "shared", "conformance", "istio"));
    }

    public static IEnumerable<string> ValidFiles()
    {
        var root = Root;
        var files = new List<string>();
        foreach (var folder in ValidFolders)
        {
            files.AddRange(Directory.EnumerateFiles(Path.Combine(root, folder), "*.yaml", SearchOption.AllDirectories));
        }

        files.AddRange(Directory.EnumerateFiles(Path.Combine(root, "pkg/config/validation/testdata/crds"), "*-valid.yaml"));
        files.Sort(StringComparer.Ordinal);
        return files.Select(file => Path.GetRelativePath(root, file).Replace('\\', '/'));
    }

    public static IEnumerable<string> InvalidFiles() =>
        Directory.EnumerateFiles(Path.Combine(Root, "pkg/config/validation/testdata/crds"), "*-invalid.yaml")
            .Order(StringComparer.Ordinal)
            .Select(file => Path.GetRelativePath(Root, file).Replace('\\', '/'));

    /// <summary>Each document of the file, with its name (for the test case) and its YAML text without the <c>_err</c> key, and that key's value.</summary>
    public static IEnumerable<ConformanceDocument> Documents(string relativePath)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Root, relativePath))));
        for (var i = 0; i < stream.Documents.Count; i++)
        {
            if (stream.Documents[i].RootNode is not YamlMappingNode root)
            {
                continue;
            }

            string? expectedError = null;
            var errKey = new YamlScalarNode("_err");
            if (root.Children.TryGetValue(errKey, out var err))
            {
                expectedError = ((YamlScalarNode)err).Value;
                root.Children.Remove(errKey);
            }

            var kind = root.Children.TryGetValue(new YamlScalarNode("kind"), out var k) ? ((YamlScalarNode)k).Value : "?";
            var name = root.Children.TryGetValue(new YamlScalarNode("metadata"), out var m) && m is YamlMappingNode metadata
                && metadata.Children.TryGetValue(new YamlScalarNode("name"), out var n) ? ((YamlScalarNode)n).Value : "?";
            var text = new StringWriter();
            new YamlStream(new YamlDocument(root)).Save(text, assignAnchors: false);
            yield return new ConformanceDocument(relativePath, i, $"{kind} {name}", text.ToString(), expectedError);
        }
    }
}
