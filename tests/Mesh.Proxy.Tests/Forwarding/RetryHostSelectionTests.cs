using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Forwarding;

/// <summary>
/// Istio's default retry policy with one dead endpoint of two: a retry avoids the host that just failed (Envoy's
/// previous_hosts predicate, Istio's retryIgnorePreviousHosts), so every request succeeds; without it, about one
/// request in eight picks the dead host three times and fails with UF,URX.
/// </summary>
public sealed class RetryHostSelectionTests
{
    private const int Requests = 200;

    [Fact]
    public async Task Retry_IgnoringPreviousHosts_EveryRequestReachesTheLiveEndpoint()
    {
        var failures = await FailuresAsync(ignorePreviousHosts: true);

        Assert.Equal(0, failures);
    }

    [Fact]
    public async Task Retry_NotIgnoringPreviousHosts_SomeRequestsRetryTheDeadEndpointToTheEnd()
    {
        // What the option is for: the same traffic fails without it.
        var failures = await FailuresAsync(ignorePreviousHosts: false);

        Assert.InRange(failures, 1, Requests - 1);
    }

    [Fact]
    public async Task Retry_LiveEndpointBusy_RetriesStillReachIt()
    {
        // The live endpoint holds requests in flight, the dead one never has any: the power of two choices then
        // picks the dead one whenever it samples it, so re-picks alone often land on it again.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await UpstreamServer.StartAsync(async context =>
        {
            if (context.Request.Path == "/hold")
            {
                await release.Task;
            }

            await UpstreamServer.Echo(context);
        });
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        var retry = new RetryPolicy { NumRetries = 2, RetryOn = { "connect-failure" }, IgnorePreviousHosts = true };
        await proxy.ApplyAsync(
            [Cluster("backend", policy: LoadBalancerPolicy.LeastRequest)],
            [Endpoints("backend", upstream.Port, FreePort.Next())],
            Listener("outbound", port, "outbound"),
            Routes("outbound", Host("backend", ["*"], Forward(new RouteAction { RetryPolicy = retry }, null, "default", ("backend", 100)))));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var held = Enumerable.Range(0, 4).Select(_ => client.GetAsync("/hold")).ToList();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            while (upstream.Requests < held.Count)
            {
                await Task.Delay(10, deadline.Token);
            }
        }

        var failures = 0;
        for (var i = 0; i < Requests; i++)
        {
            using var response = await client.GetAsync("/");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                failures++;
            }
        }

        release.SetResult();
        await Task.WhenAll(held);
        Assert.Equal(0, failures);
    }

    private static async Task<int> FailuresAsync(bool ignorePreviousHosts)
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        var retry = new RetryPolicy { NumRetries = 2, RetryOn = { "connect-failure" }, IgnorePreviousHosts = ignorePreviousHosts };
        await proxy.ApplyAsync(
            [Cluster("backend", policy: LoadBalancerPolicy.LeastRequest)],
            [Endpoints("backend", upstream.Port, FreePort.Next())],
            Listener("outbound", port, "outbound"),
            Routes("outbound", Host("backend", ["*"], Forward(new RouteAction { RetryPolicy = retry }, null, "default", ("backend", 100)))));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var failures = 0;
        for (var i = 0; i < Requests; i++)
        {
            using var response = await client.GetAsync("/");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                failures++;
            }
        }

        return failures;
    }
}
