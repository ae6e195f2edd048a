using Mesh.ControlPlane.Tests.Translation;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>
/// What the control plane says of a Telemetry naming a tracing provider it cannot export to (Istio says nothing where a
/// user looks): one warning per entry, when it appears, and again if it comes back after being mended.
/// </summary>
public sealed class TracingProviderReportTests
{
    private const string Telemetry = """
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata: { name: mesh-default, namespace: istio-system }
        spec:
          tracing:
          - providers: [{ name: jaeger }]
          - match: { mode: SERVER }
            providers: [{ name: zipkin }]
        """;

    [Fact]
    public async Task UnusableProviders_EachReportedOnceWhenItAppears()
    {
        using var config = new TempDirectory();
        using var meshDirectory = new TempDirectory();
        config.Write("workloads.yaml", DemoYaml.Workloads);
        config.Write("telemetry.yaml", Telemetry);
        var meshConfig = meshDirectory.Write("mesh.yaml", "extensionProviders:\n- name: zipkin\n  zipkin: {service: zipkin, port: 9411}\n");
        var logs = new LogCapture();
        await using var server = ControlPlaneServer.Create(
            new ControlPlaneOptions
            {
                ConfigDirectory = config.Path, MeshConfigFile = meshConfig, GrpcPort = 0, HttpPort = 0, Debounce = TimeSpan.FromMilliseconds(10),
                FileSettle = TimeSpan.FromMilliseconds(10), AllowAnonymousDiscovery = true,
            },
            TimeProvider.System, logging => logging.AddProvider(logs));
        await server.StartAsync();

        await Eventually.TrueAsync(() => Lines(logs, 214).Count == 2, "both tracing provider warnings");
        Assert.Equal(
            ["Telemetry istio-system/mesh-default spec.tracing[0].providers[0]: \"jaeger\" is not defined in meshConfig extensionProviders; the proxies it applies to report no spans for its side",
             "Telemetry istio-system/mesh-default spec.tracing[1].providers[0]: \"zipkin\" is a zipkin provider: only opentelemetry tracing providers are implemented; the proxies it applies to report no spans for its side"],
            Lines(logs, 214));

        // Defining jaeger and dropping zipkin: jaeger's problem goes, zipkin's becomes another, which is said once.
        File.WriteAllText(meshConfig, "extensionProviders:\n- name: jaeger\n  opentelemetry: {service: 127.0.0.1, port: 4317}\n");
        await Eventually.TrueAsync(() => Lines(logs, 214).Count == 3, "the new problem of the zipkin entry");
        Assert.Equal(
            "Telemetry istio-system/mesh-default spec.tracing[1].providers[0]: \"zipkin\" is not defined in meshConfig extensionProviders; the proxies it applies to report no spans for its side",
            Lines(logs, 214)[2]);
        var pushes = Lines(logs, 207).Count;
        config.Write("subsets.yaml", DemoYaml.BackendSubsets);
        await Eventually.TrueAsync(() => Lines(logs, 207).Count > pushes, "the next push");
        Assert.Equal(3, Lines(logs, 214).Count);
    }

    private static List<string> Lines(LogCapture logs, int eventId) => [.. logs.Lines.Where(l => l.EventId == eventId).Select(l => l.Message)];
}
