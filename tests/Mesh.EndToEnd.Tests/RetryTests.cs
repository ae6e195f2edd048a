namespace Mesh.EndToEnd.Tests;

/// <summary>Istio retries at the client sidecar hide a flaky backend, and say how many attempts they took.</summary>
public sealed class RetryTests
{
    private const string RetryingRoutes = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: backend
          namespace: default
        spec:
          host: backend
          subsets:
          - name: v1
            labels:
              version: v1
        ---
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
                subset: v1
            retries:
              attempts: 3
              retryOn: 5xx
        """;

    [Fact]
    public async Task Retries_BackendFailingHalfWith503_AtLeast99PercentSucceedAndAttemptsShow()
    {
        await using var run = await MeshRun.StartAsync(
            backendFailPercent: 50,
            configOverrides: new Dictionary<string, string> { ["backend-routing.yaml"] = RetryingRoutes });

        // One at a time: the backend fails every second request it receives, so a retry lands on a success.
        var answers = await run.GetManyAsync(400, parallel: 1);

        var succeeded = answers.Count(a => a.Status == 200);
        Assert.True(succeeded >= 396, $"{succeeded} of 400 succeeded; first failure: {answers.FirstOrDefault(a => a.Status != 200)?.Body}");
        Assert.Contains(answers, a => a.Body.Contains("\"x-envoy-attempt-count\": \"2\"", StringComparison.Ordinal));
    }
}
