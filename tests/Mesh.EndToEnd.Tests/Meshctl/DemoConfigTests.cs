using Mesh.Meshctl.Local;

namespace Mesh.EndToEnd.Tests.Meshctl;

public sealed class DemoConfigTests : IDisposable
{
    private static readonly Dictionary<string, int> Ports = new()
    {
        ["gatewayPort"] = 18080,
        ["frontendInboundPort"] = 18101,
        ["backendV1InboundPort"] = 18102,
        ["backendV2InboundPort"] = 18103,
    };

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "meshctl-tests-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void Render_DemoTemplates_WritesEveryFileWithPortsFilledIn()
    {
        var files = DemoConfig.Render(_dir, Ports);

        Assert.Equal(["backend-routing.yaml", "gateway.yaml", "workloads.yaml"], files.Select(Path.GetFileName));
        var all = string.Concat(files.Select(File.ReadAllText));
        Assert.DoesNotContain("{{", all);
        Assert.Contains("number: 18080", all);
        Assert.Contains("http: 18102", all);
    }

    [Fact]
    public void Render_DemoTemplates_LoadWithoutErrorsAsIstioConfig()
    {
        DemoConfig.Render(_dir, Ports);

        var result = Mesh.Istio.IstioConfigLoader.LoadDirectory(_dir);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        Assert.Equal(9, result.Resources.Count);
    }

    [Fact]
    public void Fill_PlaceholderWithoutValue_SaysWhichOne()
    {
        var error = Assert.Throws<InvalidOperationException>(() => DemoConfig.Fill("port: {{mystery}}", Ports));

        Assert.Contains("{{mystery}}", error.Message);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
