using System.Text;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Listeners;

/// <summary>
/// Envoy's listener warming: a listener that arrives before its routes is bound, but a request sent to it waits for
/// the routes instead of meeting a 404 NR (a restarted sidecar gets LDS just before RDS, under traffic).
/// </summary>
public sealed class ListenerWarmingTests
{
    [Fact]
    public async Task Request_BeforeTheListenersRoutes_AnsweredOnceTheyArrive()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        await proxy.AckAsync(Response(TypeUrls.Cluster, "1", Cluster("backend")));
        await proxy.AckAsync(Response(TypeUrls.Endpoints, "1", Endpoints("backend", upstream.Port)));
        await proxy.AckAsync(Response(TypeUrls.Listener, "1", Listener("http.80", port, "http.80")));

        // The socket is bound: the connection is made and the request sent before any route exists.
        using var connection = await RawConnection.OpenAsync(port);
        await connection.Stream.WriteAsync(Encoding.ASCII.GetBytes("GET /early HTTP/1.1\r\nHost: backend\r\nConnection: close\r\n\r\n"));
        await proxy.AckAsync(Response(TypeUrls.Route, "1", Routes("http.80", Host("any", ["*"], ToCluster("backend")))));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var answer = new MemoryStream();
        await connection.Stream.CopyToAsync(answer, timeout.Token);
        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(answer.ToArray()), StringComparison.Ordinal);
        Assert.Equal(1, upstream.Requests);
    }
}
