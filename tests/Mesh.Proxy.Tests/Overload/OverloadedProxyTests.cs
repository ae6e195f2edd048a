using System.Net;
using Mesh.Proxy.Overload;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Proxy.Tests.Observability;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Overload;

/// <summary>The real proxy over its heap budget: new requests are refused as Envoy's overload manager refuses them.</summary>
public sealed class OverloadedProxyTests
{
    [Fact]
    public async Task Request_HeapOverItsBudget_Answered503OverloadedWithFlagOmAndNeverForwarded()
    {
        var forwarded = 0;
        await using var upstream = await UpstreamServer.StartAsync(context =>
        {
            Interlocked.Increment(ref forwarded);
            return UpstreamServer.Echo(context);
        });
        // The smallest budget the flag allows, and more than that held live: this process's heap is over it for sure.
        var ballast = GC.AllocateArray<byte>(32 * 1024 * 1024);
        await using var proxy = await TestProxy.StartAsync(overload: new OverloadOptions { MaxHeapBytes = 16 * 1024 * 1024 });
        var port = FreePort.Next();
        await proxy.ApplyAsync([Cluster("backend")], [Endpoints("backend", upstream.Port)], Listener("outbound", port, "outbound"),
            Routes("outbound", Host("backend", ["*"], ToCluster("backend"))));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        HttpResponseMessage response;
        while ((response = await client.GetAsync("/")).StatusCode == HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            response.Dispose();
            await Task.Delay(OverloadManager.RefreshInterval);
        }

        using (response)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("envoy overloaded", await response.Content.ReadAsStringAsync());
        }

        var forwardedBefore = Volatile.Read(ref forwarded);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/")).StatusCode);
        Assert.Equal(forwardedBefore, Volatile.Read(ref forwarded));
        var metrics = await proxy.Admin.GetStringAsync("/stats/prometheus");
        var refused = Exposition.Series(metrics, "istio_requests_total", ("response_code", "503"));
        Assert.Equal("OM", refused.Labels["response_flags"]);
        Assert.Contains("mesh_overload_action_active{action=\"stop_accepting_requests\"} 1", metrics);
        GC.KeepAlive(ballast);
    }
}
