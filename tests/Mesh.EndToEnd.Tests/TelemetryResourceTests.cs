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

    private static string BackendOutput(MeshRun run) => run.Mesh.RecentOutput("backend-v1 sidecar") + run.Mesh.RecentOutput("backend-v2 sidecar");
}
