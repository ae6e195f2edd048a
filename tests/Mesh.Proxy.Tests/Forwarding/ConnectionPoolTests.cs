using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Forwarding;

/// <summary>DestinationRule connectionPool's connection options on the real proxy, seen from the backend: which connections carry which requests, and when they close.</summary>
public sealed class ConnectionPoolTests
{
    /// <summary>A request the proxy wrongly holds fails the test in seconds, not HttpClient's 100.</summary>
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(0u, 1)]
    [InlineData(1u, 3)]
    public async Task MaxRequestsPerConnection_One_GivesEachRequestItsOwnConnection(uint maxRequestsPerConnection, int expectedConnections)
    {
        var connections = new ConcurrentDictionary<string, byte>();
        await using var upstream = await UpstreamServer.StartAsync(context =>
        {
            connections.TryAdd(context.Connection.Id, 0);
            return context.Response.WriteAsync("ok");
        });
        var (proxy, client) = await StartAsync(new ConnectionPool { MaxRequestsPerConnection = maxRequestsPerConnection, MaxRetries = 5 }, upstream.Port);
        await using var ownedProxy = proxy;
        using var ownedClient = client;

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(expectedConnections, connections.Count);
    }

    [Fact]
    public async Task MaxConnections_ConcurrentRequestsWaitForTheOneConnection()
    {
        var connections = new ConcurrentDictionary<string, byte>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await UpstreamServer.StartAsync(async context =>
        {
            connections.TryAdd(context.Connection.Id, 0);
            await release.Task;
            await context.Response.WriteAsync("ok");
        });
        var (proxy, client) = await StartAsync(new ConnectionPool { MaxConnections = 1, MaxPendingRequests = 10 }, upstream.Port);
        await using var ownedProxy = proxy;
        using var ownedClient = client;

        var requests = Enumerable.Range(0, 3).Select(_ => client.GetAsync("/")).ToList();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (proxy.Snapshot.Clusters["backend"].State.ActiveRequests < 3)
        {
            await Task.Delay(5, deadline.Token);
        }

        release.SetResult();
        foreach (var response in await Task.WhenAll(requests))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        Assert.Single(connections);
        Assert.Equal(3, upstream.Requests);
    }

    [Fact]
    public async Task IdleTimeout_ClosesTheIdleUpstreamConnection()
    {
        using var backend = new TcpListener(IPAddress.Loopback, 0);
        backend.Start();
        var port = ((IPEndPoint)backend.LocalEndpoint).Port;
        var (proxy, client) = await StartAsync(new ConnectionPool { IdleTimeoutMs = 200 }, port);
        await using var ownedProxy = proxy;
        using var ownedClient = client;

        var request = client.GetAsync("/");
        using var connection = await backend.AcceptTcpClientAsync();
        var stream = connection.GetStream();
        var buffer = new byte[4096];
        await ReadRequestHeadAsync(stream, buffer);
        await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray());
        using var response = await request;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The proxy closes the connection once idle for 200 ms: the backend reads the end of the stream.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await stream.ReadAsync(buffer, deadline.Token));
    }

    [Fact]
    public async Task TcpKeepalive_SetsTheSocketsProbes()
    {
        using var backend = new TcpListener(IPAddress.Loopback, 0);
        backend.Start();
        var endPoint = new DnsEndPoint("127.0.0.1", ((IPEndPoint)backend.LocalEndpoint).Port);

        using var socket = await UpstreamSockets.ConnectAsync(endPoint, new TcpKeepalive { Probes = 4, TimeSeconds = 60, IntervalSeconds = 7 }, CancellationToken.None);

        Assert.Equal(1, (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive)!);
        Assert.Equal(60, (int)socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime)!);
        Assert.Equal(7, (int)socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval)!);
        Assert.Equal(4, (int)socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount)!);
    }

    [Fact]
    public async Task TcpKeepalive_ReachesTheProxysUpstreamConnection()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var (proxy, client) = await StartAsync(new ConnectionPool { TcpKeepalive = new TcpKeepalive { Probes = 2 } }, upstream.Port);
        await using var ownedProxy = proxy;
        using var ownedClient = client;

        using var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task ReadRequestHeadAsync(NetworkStream stream, byte[] buffer)
    {
        var head = new StringBuilder();
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            Assert.True(read > 0, "the proxy closed before sending its request");
            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
    }

    private static async Task<(TestProxy Proxy, HttpClient Client)> StartAsync(ConnectionPool pool, int port)
    {
        var cluster = Cluster("backend");
        cluster.ConnectionPool = pool;
        var proxy = await TestProxy.StartAsync();
        var listenerPort = FreePort.Next();
        await proxy.ApplyAsync([cluster], [Endpoints("backend", port)], Listener("outbound", listenerPort, "outbound"),
            Routes("outbound", Host("backend", ["*"], ToCluster("backend"))));
        return (proxy, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{listenerPort}"), Timeout = TestTimeout });
    }
}
