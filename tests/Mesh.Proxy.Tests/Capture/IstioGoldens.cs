namespace Mesh.Proxy.Tests.Capture;

/// <summary>
/// Istio's own goldens for istio-iptables (../shared/conformance/istio/tools/istio-iptables/pkg/capture/testdata), found
/// beside the repository as the other conformance data is; the tests skip naming the folder when it is absent, and fail
/// under CI=true.
/// </summary>
internal static class IstioGoldens
{
    public static string Folder { get; } = FindFolder();

    public static void SkipUnlessPresent()
    {
        if (Directory.Exists(Folder))
        {
            return;
        }

        var message = $"istio-iptables goldens not found at {Folder} (../shared/conformance beside the repository)";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message + "; CI=true requires them.");
        }

        Skip.If(true, message);
    }

    private static string FindFolder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Mesh.sln")))
        {
            directory = directory.Parent;
        }

        Assert.True(directory is not null, $"no folder holding Mesh.sln above {AppContext.BaseDirectory}");
        return Path.GetFullPath(Path.Combine(
            directory!.FullName, "..", "shared", "conformance", "istio", "tools", "istio-iptables", "pkg", "capture", "testdata"));
    }
}
