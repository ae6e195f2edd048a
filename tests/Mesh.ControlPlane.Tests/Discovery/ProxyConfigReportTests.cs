using Mesh.ControlPlane.Tests.Translation;
using Mesh.ControlPlane.Webhooks;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>
/// A ProxyConfig is applied by the injection webhook; a control plane without it (local mode) says, once per resource,
/// that nothing applies it, and one with it says nothing.
/// </summary>
public sealed class ProxyConfigReportTests
{
    private const string ProxyConfig = """
        apiVersion: networking.istio.io/v1beta1
        kind: ProxyConfig
        metadata: { name: workers, namespace: default }
        spec: { concurrency: 2 }
        """;

    [Fact]
    public async Task WithoutTheInjectionWebhook_EachProxyConfigReportedOnce()
    {
        using var config = new TempDirectory();
        config.Write("workloads.yaml", DemoYaml.Workloads);
        config.Write("proxyconfig.yaml", ProxyConfig);
        var logs = new LogCapture();
        await using var server = Start(config, logs, webhooks: null);
        await server.StartAsync();

        await Eventually.TrueAsync(() => Lines(logs, 215).Count == 1, "the ProxyConfig's warning");
        Assert.Equal(
            "ProxyConfig default/workers has no effect here: a ProxyConfig applies when the injection webhook adds a pod's sidecar, and this control plane serves "
            + "no webhook (local mode, where meshctl starts each proxy with its own settings)",
            Lines(logs, 215)[0]);
        var pushes = Lines(logs, 207).Count;
        config.Write("subsets.yaml", DemoYaml.BackendSubsets);
        await Eventually.TrueAsync(() => Lines(logs, 207).Count > pushes, "the next push");
        Assert.Single(Lines(logs, 215));
    }

    [Fact]
    public async Task WithTheInjectionWebhook_NothingReported()
    {
        using var config = new TempDirectory();
        config.Write("workloads.yaml", DemoYaml.Workloads);
        config.Write("proxyconfig.yaml", ProxyConfig);
        var logs = new LogCapture();
        await using var server = Start(config, logs, new WebhookOptions { Port = 0 });
        await server.StartAsync();

        Assert.Equal(2, server.Snapshots.Current!.ProxyConfigs.All.Single().Spec.Concurrency);
        Assert.Empty(Lines(logs, 215));
    }

    private static ControlPlaneServer Start(TempDirectory config, LogCapture logs, WebhookOptions? webhooks) => ControlPlaneServer.Create(
        new ControlPlaneOptions
        {
            ConfigDirectory = config.Path, GrpcPort = 0, HttpPort = 0, Debounce = TimeSpan.FromMilliseconds(10), AllowAnonymousDiscovery = true,
            Webhooks = webhooks,
        },
        TimeProvider.System, logging => logging.AddProvider(logs));

    private static List<string> Lines(LogCapture logs, int eventId) => [.. logs.Lines.Where(l => l.EventId == eventId).Select(l => l.Message)];
}
