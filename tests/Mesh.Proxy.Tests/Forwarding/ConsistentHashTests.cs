using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Forwarding;

/// <summary>
/// Istio consistentHash through a real proxy to three real backends: a user's header always reaches the same backend,
/// and a client without the hash cookie gets one (Set-Cookie, Envoy's shape) that pins it from then on.
/// </summary>
public sealed class ConsistentHashTests
{
    [Fact]
    public async Task HeaderHash_PinsEachUser_AndSpreadsUsers()
    {
        await using var backends = await Backends.StartAsync();
        var hash = new ConsistentHash { HeaderName = "x-user", Table = HashTable.RingHash, MinimumRingSize = 1024 };
        await using var proxy = await backends.ProxyAsync(hash);
        using var client = new HttpClient { BaseAddress = proxy.Address };

        var servedBy = new HashSet<string>();
        for (var user = 0; user < 30; user++)
        {
            var first = await ServedByAsync(client, ("x-user", $"user-{user}"));
            for (var again = 0; again < 4; again++)
            {
                Assert.Equal(first, await ServedByAsync(client, ("x-user", $"user-{user}")));
            }

            servedBy.Add(first);
        }

        Assert.True(servedBy.Count >= 2, "30 users all went to one backend");
    }

    [Fact]
    public async Task CookieHash_WithoutTheCookie_IssuesOne_ThatPinsTheClient()
    {
        await using var backends = await Backends.StartAsync();
        var cookie = new HashCookie { Name = "session", Path = "/", Generate = true, TtlSeconds = 3600, Attributes = { new CookieAttribute { Name = "SameSite", Value = "Lax" } } };
        await using var proxy = await backends.ProxyAsync(new ConsistentHash { Cookie = cookie, Table = HashTable.Maglev, TableSize = 65537 });
        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = proxy.Address };

        using var first = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var setCookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.Matches("^session=\"[0-9a-f]{16}\"; Max-Age=3600; Path=/; SameSite=Lax; HttpOnly$", setCookie);
        var servedFirst = await first.Content.ReadAsStringAsync();

        var value = setCookie[..setCookie.IndexOf(';')];
        for (var i = 0; i < 20; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.Add("Cookie", $"theme=dark; {value}");
            using var response = await client.SendAsync(request);
            Assert.False(response.Headers.Contains("Set-Cookie"), "a client that has the cookie gets no new one");
            Assert.Equal(servedFirst, await response.Content.ReadAsStringAsync());
        }
    }

    private static async Task<string> ServedByAsync(HttpClient client, (string Name, string Value) header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add(header.Name, header.Value);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Three backends, each answering with its own name.</summary>
    private sealed class Backends : IAsyncDisposable
    {
        private readonly UpstreamServer[] _servers;

        private Backends(UpstreamServer[] servers) => _servers = servers;

        public static async Task<Backends> StartAsync()
        {
            var servers = new UpstreamServer[3];
            for (var i = 0; i < servers.Length; i++)
            {
                var name = $"backend-{i}";
                servers[i] = await UpstreamServer.StartAsync(context => context.Response.WriteAsync(name));
            }

            return new Backends(servers);
        }

        public async Task<RunningProxy> ProxyAsync(ConsistentHash hash)
        {
            var proxy = await TestProxy.StartAsync();
            var port = FreePort.Next();
            var cluster = Cluster("backend");
            cluster.ConsistentHash = hash;
            await proxy.ApplyAsync(
                [cluster],
                [Endpoints("backend", [.. _servers.Select(s => s.Port)])],
                Listener("outbound", port, "outbound"),
                Routes("outbound", Host("backend", ["*"], ToCluster("backend"))));
            return new RunningProxy(proxy, new Uri($"http://127.0.0.1:{port}"));
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var server in _servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    private sealed class RunningProxy(TestProxy proxy, Uri address) : IAsyncDisposable
    {
        public Uri Address { get; } = address;

        public ValueTask DisposeAsync() => proxy.DisposeAsync();
    }
}
