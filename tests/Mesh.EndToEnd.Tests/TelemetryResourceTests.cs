using Mesh.Meshctl.Local;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// An Istio Telemetry resource dropped into the config folder while the mesh runs: the access log comes on for the
/// workloads it selects, as an Istio user turns it on, and stays off elsewhere (the mesh runs with --access-log off);
/// with a filter, only for the requests the filter is true of.
/// </summary>
public sealed class TelemetryResourceTests
{
    private const string BackendAccessLog = """
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata: { name: backend-logs, namespace: default }
        spec:
          selector: { matchLabels: { app: backend } }
          accessLogging:
          - providers: [{ name: envoy }]
        """;

    [Fact]
    public async Task TelemetrySelectingTheBackend_ItsSidecarsLogRequests_OthersStaySilent()
    {
        await using var run = await MeshRun.StartAsync();
        var before = "before-" + Guid.NewGuid().ToString("N");
        Assert.Equal(200, (await run.GetAsync(new Dictionary<string, string> { ["x-request-id"] = before })).Status);

        run.WriteConfig("telemetry.yaml", BackendAccessLog);
        string? logged = null;
        await MeshRun.WaitUntilAsync(async () =>
        {
            var id = "after-" + Guid.NewGuid().ToString("N");
            var answer = await run.GetAsync(new Dictionary<string, string> { ["x-request-id"] = id });
            Assert.Equal(200, answer.Status);
            if (BackendOutput(run).Contains(id, StringComparison.Ordinal)) logged = id;
            return logged is not null;
        }, TimeSpan.FromSeconds(20), "a backend sidecar's access log line for a request made after the Telemetry was written");

        // The line is Envoy's default text format, with the inbound cluster of the backend's sidecar.
        var line = BackendOutput(run).Split('\n').Single(l => l.Contains(logged!, StringComparison.Ordinal));
        Assert.Matches("^\\[[^\\]]+\\] \"GET /\\S* HTTP/\\S+\" 200 - via_upstream ", line);
        Assert.Contains("inbound|", line, StringComparison.Ordinal);
        Assert.DoesNotContain(before, BackendOutput(run), StringComparison.Ordinal);
        Assert.DoesNotContain(logged!, run.Mesh.RecentOutput("frontend-v1 sidecar"), StringComparison.Ordinal);
        Assert.DoesNotContain(logged!, run.Mesh.RecentOutput(LocalMesh.GatewayName), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MeshWideTelemetryWithAFilter_TheGatewayLogsOnlyTheRequestsItIsTrueOf()
    {
        await using var run = await MeshRun.StartAsync();
        run.WriteConfig("telemetry.yaml", """
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: mesh-default, namespace: istio-system }
            spec:
              accessLogging:
              - providers: [{ name: envoy }]
                filter: { expression: "request.headers['x-log'] == 'yes' && response.code == 200" }
            """);

        // A request the filter rejects, then one it accepts, until the accepted one is logged: the log is on by then,
        // and the rejected one, answered before the accepted one was sent, would have been written before it.
        string? rejected = null, accepted = null;
        await MeshRun.WaitUntilAsync(async () =>
        {
            rejected = "quiet-" + Guid.NewGuid().ToString("N");
            Assert.Equal(200, (await run.GetAsync(new Dictionary<string, string> { ["x-request-id"] = rejected })).Status);
            accepted = "loud-" + Guid.NewGuid().ToString("N");
            Assert.Equal(200, (await run.GetAsync(new Dictionary<string, string> { ["x-request-id"] = accepted, ["x-log"] = "yes" })).Status);
            return run.Mesh.RecentOutput(LocalMesh.GatewayName).Contains(accepted, StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(20), "the gateway's access log line of a request with x-log: yes");

        Assert.DoesNotContain(rejected!, run.Mesh.RecentOutput(LocalMesh.GatewayName), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TracingProviderNamedByATelemetry_SpansGoToItsCollector_AndFollowTheMeshConfigWhenItMoves()
    {
        // The proxies export nowhere of their own (no --otlp-endpoint): only the Telemetry's provider sends spans anywhere.
        await using var first = await OtlpReceiver.StartAsync();
        await using var second = await OtlpReceiver.StartAsync();
        var meshConfig = Path.Combine(Path.GetTempPath(), "mesh-e2e-meshconfig-" + Guid.NewGuid().ToString("N")[..8] + ".yaml");
        File.WriteAllText(meshConfig, Providers(first));
        try
        {
            await using var run = await MeshRun.StartAsync(configure: options => options with { MeshConfigFile = meshConfig, TraceSamplingPercent = 100 });
            run.WriteConfig("telemetry.yaml", """
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: { name: mesh-default, namespace: istio-system }
                spec:
                  tracing: [{ providers: [{ name: jaeger }] }]
                """);

            var id = await TracedRequestAsync(run, first, "the first collector");
            // Every proxy on the path reports to it: the gateway, the frontend's sidecar and a backend's.
            Assert.Equal(["backend.default", "frontend.default", "istio-ingressgateway.istio-system"],
                first.ForRequest(id).Select(s => s.Service).Distinct().Order(StringComparer.Ordinal));

            File.WriteAllText(meshConfig, Providers(second));
            var moved = await TracedRequestAsync(run, second, "the second collector, once the mesh config named it");
            Assert.Empty(first.ForRequest(moved));
        }
        finally
        {
            File.Delete(meshConfig);
        }
    }

    /// <summary>The mesh config defining "jaeger" as the receiver, and a zipkin provider nothing can use.</summary>
    private static string Providers(OtlpReceiver receiver) => $$"""
        extensionProviders:
        - name: jaeger
          opentelemetry: { service: istio-system/127.0.0.1, port: {{receiver.Address.Port}} }
        - name: zipkin
          zipkin: { service: zipkin.istio-system.svc.cluster.local, port: 9411 }
        """;

    /// <summary>Sends requests until one's spans reach the receiver from all three proxies; returns its x-request-id.</summary>
    private static async Task<string> TracedRequestAsync(MeshRun run, OtlpReceiver receiver, string what)
    {
        var sent = new List<string>();
        string? traced = null;
        await MeshRun.WaitUntilAsync(async () =>
        {
            var id = "traced-" + Guid.NewGuid().ToString("N");
            Assert.Equal(200, (await run.GetAsync(new Dictionary<string, string> { ["x-request-id"] = id })).Status);
            sent.Add(id);
            // Spans leave each proxy in batches within a fraction of a second: any request sent so far may be the one.
            traced = sent.FirstOrDefault(s => receiver.ForRequest(s).Select(span => span.Service).Distinct().Count() == 3);
            return traced is not null;
        }, TimeSpan.FromSeconds(30), $"a request's spans from the gateway and both sidecars at {what}");
        return traced!;
    }

    private static string BackendOutput(MeshRun run) => run.Mesh.RecentOutput("backend-v1 sidecar") + run.Mesh.RecentOutput("backend-v2 sidecar");
}
