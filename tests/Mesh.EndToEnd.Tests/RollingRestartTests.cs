namespace Mesh.EndToEnd.Tests;

/// <summary>
/// Istio's graceful termination through a rolling restart: each backend sidecar in turn is stopped (SIGTERM), drains
/// and exits, and is started again, under steady traffic. The frontend sidecar's default retries (connect-failure,
/// to another host) cover the stopped one; the drain covers the requests it had accepted. No request fails.
/// </summary>
public sealed class RollingRestartTests
{
    // Both backends behind the one service, no subsets: a retry may go to either.
    private const string OneBackendPool = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: backend
          namespace: default
        spec:
          hosts:
          - backend
          http:
          - route:
            - destination:
                host: backend
        """;

    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RollingRestart_EachBackendSidecarInTurn_NoAcceptedRequestFails()
    {
        await using var run = await MeshRun.StartAsync(
            configOverrides: new Dictionary<string, string> { ["backend-routing.yaml"] = OneBackendPool },
            configure: options => options with { AccessLog = "text" });
        await using var traffic = TrafficLoop.Start(run);
        await traffic.WaitForAnswersAsync(20);

        foreach (var backend in new[] { "backend-v1", "backend-v2" })
        {
            Assert.True(await run.Mesh.RestartSidecarAsync(backend, StopGrace), $"{backend} sidecar did not exit by itself within {StopGrace.TotalSeconds} s");
            // The restarted sidecar takes traffic again before the next one stops.
            var restartedAt = traffic.Count;
            await MeshRun.WaitUntilAsync(() => Task.FromResult(traffic.AnsweredSince(backend, restartedAt)), TimeSpan.FromSeconds(30), $"{backend} to answer again");
        }

        var answers = await traffic.StopAsync();

        var failed = answers.Where(a => a.Status != 200 || a.Backend is null).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {answers.Count} requests failed; first: {failed.FirstOrDefault()?.Status} {failed.FirstOrDefault()?.Body}\n"
            + "the frontend sidecar's failed requests:\n" + await FailedRequestsAsync(run, "frontend-v1"));
        Assert.Contains(answers, a => a.Backend == "backend-v1");
        Assert.Contains(answers, a => a.Backend == "backend-v2");
        foreach (var backend in new[] { "backend-v1", "backend-v2" })
        {
            var log = await File.ReadAllTextAsync(Path.Combine(run.Mesh.LogDir, $"{backend}-sidecar.log"));
            Assert.Contains("draining for up to 5 s", log, StringComparison.Ordinal);
            Assert.Contains("drained in", log, StringComparison.Ordinal);
        }
    }

    /// <summary>The access log lines of a sidecar's requests that did not end in 200, and its upstream failures: what to look at when one failed.</summary>
    private static async Task<string> FailedRequestsAsync(MeshRun run, string workload)
    {
        var lines = await File.ReadAllLinesAsync(Path.Combine(run.Mesh.LogDir, $"{workload}-sidecar.log"));
        return string.Join('\n', lines.Where(line => (line.StartsWith('[') && !line.Contains("\" 200 ", StringComparison.Ordinal))
            || line.Contains("of cluster", StringComparison.Ordinal)).Take(30));
    }
}
