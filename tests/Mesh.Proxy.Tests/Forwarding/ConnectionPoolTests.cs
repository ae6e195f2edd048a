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
    [InlineData(0u, 1, UpstreamProtocol.Http1)]
    [InlineData(1u, 3, UpstreamProtocol.Http1)]
    [InlineData(0u, 1, UpstreamProtocol.Http2)]
    [InlineData(1u, 3, UpstreamProtocol.Http2)]
    public async Task MaxRequestsPerConnection_One_GivesEachRequestItsOwnConnection(uint maxRequestsPerConnection, int expectedConnections, UpstreamProtocol protocol)
    {
        var connections = new ConcurrentDictionary<string, byte>();
        await using var upstream = await UpstreamServer.StartAsync(context =>
        {
            connections.TryAdd(context.Connection.Id, 0);
            return context.Response.WriteAsync("ok");
        }, protocol == UpstreamProtocol.Http2 ? Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2 : Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1);
        var (proxy, client) = await StartAsync(new ConnectionPool { MaxRequestsPerConnection = maxRequestsPerConnection, MaxRetries = 5 }, upstream.Port, protocol);
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

    [Fact]
    public async Task Http2KeepAlive_AnUpstreamThatStopsAnsweringPingsLosesItsConnection()
    {
        // A bare HTTP/2 upstream (h2c with prior knowledge): it answers the request, then reads on and never
        // acknowledges a PING, as a peer behind a dead path would not. With PINGs after 1 s without a frame and 1 s
        // to answer, the proxy must send one and then close the connection.
        using var backend = new TcpListener(IPAddress.Loopback, 0);
        backend.Start();
        var port = ((IPEndPoint)backend.LocalEndpoint).Port;
        var (proxy, client) = await StartAsync(new ConnectionPool { Http2Keepalive = new Http2Keepalive { IntervalMs = 1000, TimeoutMs = 1000 } }, port, UpstreamProtocol.Http2);
        await using var ownedProxy = proxy;
        using var ownedClient = client;

        var request = client.GetAsync("/");
        using var connection = await backend.AcceptTcpClientAsync();
        var stream = connection.GetStream();
        using var deadline = new CancellationTokenSource(TestTimeout);
        var preface = new byte[24];
        await stream.ReadExactlyAsync(preface, deadline.Token);
        Assert.Equal("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray(), preface);
        // An empty SETTINGS of its own, and the acknowledgement of the proxy's.
        await stream.WriteAsync(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0 }, deadline.Token);

        var pings = 0;
        var answered = false;
        while (await ReadFrameAsync(stream, deadline.Token) is var (type, flags, streamId))
        {
            if (type == 1 && !answered)
            {
                // HEADERS, END_STREAM | END_HEADERS, ":status: 200" as HPACK's static entry 8.
                await stream.WriteAsync(new byte[] { 0, 0, 1, 1, 5, (byte)(streamId >> 24), (byte)(streamId >> 16), (byte)(streamId >> 8), (byte)streamId, 0x88 }, deadline.Token);
                answered = true;
                using var response = await request;
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            else if (type == 6 && (flags & 1) == 0)
            {
                pings++;
            }
        }

        // The proxy closed the connection (the loop ended at the end of the stream) after PINGs went unanswered.
        Assert.True(answered, "the proxy sent no request");
        Assert.True(pings > 0, "the proxy closed the connection without a PING");
    }

    [Theory]
    [InlineData(0u, 1, 3)]
    [InlineData(1u, 3, 1)]
    [InlineData(2u, 2, 2)]
    public async Task MaxConcurrentStreams_RequestsBeyondItTakeAnotherHttp2Connection(uint maxConcurrentStreams, int expectedConnections, int expectedMostOnOne)
    {
        // Three requests at once to an HTTP/2 upstream (Kestrel, which allows 100 streams), held until all three have
        // arrived: how many connections carry them, and how many streams the busiest one had at once. They are sent
        // together, before the proxy has a connection, so that the cap must hold before the upstream's SETTINGS too.
        var streams = new ConcurrentDictionary<string, int>();
        var mostOnOne = 0;
        var arrived = 0;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await UpstreamServer.StartAsync(async context =>
        {
            var onThisConnection = streams.AddOrUpdate(context.Connection.Id, 1, (_, count) => count + 1);
            InterlockedMax(ref mostOnOne, onThisConnection);
            if (Interlocked.Increment(ref arrived) == 3)
            {
                allArrived.SetResult();
            }

            await allArrived.Task;
            await context.Response.WriteAsync("ok");
        }, Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
        var (proxy, client) = await StartAsync(new ConnectionPool { MaxConcurrentStreams = maxConcurrentStreams, MaxRetries = 5 }, upstream.Port, UpstreamProtocol.Http2);
        await using var ownedProxy = proxy;
        using var ownedClient = client;

        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => client.GetAsync("/")));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Equal((expectedConnections, expectedMostOnOne), (streams.Count, mostOnOne));
    }

    [Fact]
    public async Task MaxRequestsPerConnection_One_ConcurrentHttp2RequestsEachGetAConnectionOfTheirOwn()
    {
        // Three requests at once, held until all have arrived, then one more: each on a connection no other carried.
        var streams = new ConcurrentDictionary<string, int>();
        var arrived = 0;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await UpstreamServer.StartAsync(async context =>
        {
            streams.AddOrUpdate(context.Connection.Id, 1, (_, count) => count + 1);
            if (Interlocked.Increment(ref arrived) >= 3)
            {
                allArrived.TrySetResult();
            }

            await allArrived.Task;
            await context.Response.WriteAsync("ok");
        }, Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
        var (proxy, client) = await StartAsync(new ConnectionPool { MaxRequestsPerConnection = 1, MaxRetries = 5 }, upstream.Port, UpstreamProtocol.Http2);
        await using var ownedProxy = proxy;
        using var ownedClient = client;

        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => client.GetAsync("/")));
        using var last = await client.GetAsync("/");

        Assert.All(responses.Append(last), response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Equal([1, 1, 1, 1], streams.Values);
    }

    private static void InterlockedMax(ref int location, int value)
    {
        for (var current = Volatile.Read(ref location); value > current; current = Volatile.Read(ref location))
        {
            if (Interlocked.CompareExchange(ref location, value, current) == current)
            {
                return;
            }
        }
    }

    /// <summary>The next frame's type, flags and stream; null at the end of the stream (or a reset connection).</summary>
    private static async Task<(byte Type, byte Flags, int StreamId)?> ReadFrameAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var header = new byte[9];
        try
        {
            await stream.ReadExactlyAsync(header, cancellationToken);
            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            await stream.ReadExactlyAsync(new byte[length], cancellationToken);
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException)
        {
            return null;
        }

        return (header[3], header[4], ((header[5] & 0x7F) << 24) | (header[6] << 16) | (header[7] << 8) | header[8]);
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

    private static async Task<(TestProxy Proxy, HttpClient Client)> StartAsync(ConnectionPool pool, int port, UpstreamProtocol protocol = UpstreamProtocol.Http1)
    {
        var cluster = Cluster("backend", protocol);
        cluster.ConnectionPool = pool;
        var proxy = await TestProxy.StartAsync();
        var listenerPort = FreePort.Next();
        await proxy.ApplyAsync([cluster], [Endpoints("backend", port)], Listener("outbound", listenerPort, "outbound"),
            Routes("outbound", Host("backend", ["*"], ToCluster("backend"))));
        return (proxy, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{listenerPort}"), Timeout = TestTimeout });
    }
}
