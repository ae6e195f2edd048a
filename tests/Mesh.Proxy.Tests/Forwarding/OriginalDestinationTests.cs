using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Forwarding;

/// <summary>
/// Istio PASSTHROUGH (Envoy ORIGINAL_DST) in local mode: a request whose authority is an IP address goes to that
/// address, whatever the cluster's endpoints; one addressed by name goes to one of the endpoints.
/// </summary>
public sealed class OriginalDestinationTests
{
    [Fact]
    public async Task Passthrough_IpAuthority_GoesToThatAddress_NameAuthority_ToAnEndpoint()
    {
        await using var endpoint = await UpstreamServer.StartAsync(context => context.Response.WriteAsync("endpoint"));
        await using var addressed = await UpstreamServer.StartAsync(context => context.Response.WriteAsync("addressed"));
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        await proxy.ApplyAsync(
            [Cluster("backend", policy: LoadBalancerPolicy.Passthrough)],
            [Endpoints("backend", endpoint.Port)],
            Listener("outbound", port, "outbound"),
            Routes("outbound", Host("backend", ["*"], ToCluster("backend"))));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        Assert.Equal("addressed", await GetAsync(client, $"127.0.0.1:{addressed.Port}"));
        Assert.Equal("endpoint", await GetAsync(client, "backend.default.svc.cluster.local:9080"));
    }

    private static async Task<string> GetAsync(HttpClient client, string authority)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = authority;
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
