using System.Net;
using System.Net.Sockets;
using System.Text;
using Mesh.Proxy.Listeners;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Listeners;

/// <summary>
/// Istio's graceful termination, as the proxy does it when its host stops (SIGTERM): readiness turns 503, new
/// connections are refused, an idle keep-alive connection is closed, and a request in flight finishes with
/// <c>Connection: close</c> before the proxy is done.
/// </summary>
public sealed class GracefulDrainTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Stop_RequestInFlight_FinishesWithConnectionCloseWhileNewConnectionsAreRefused()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await UpstreamServer.StartAsync(async context =>
        {
            if (context.Request.Path == "/slow")
            {
                await release.Task;
            }

            context.Response.ContentLength = 4;
            await context.Response.WriteAsync("done");
        });
        // A drain period far longer than the test: the request in flight ends it, not the deadline.
        var proxy = await TestProxy.StartAsync(limits: new ListenerLimits { TerminationDrainDuration = TimeSpan.FromMinutes(2) });
        await using var owned = proxy;
        var port = FreePort.Next();
        await proxy.ApplyAsync([Cluster("backend")], [Endpoints("backend", upstream.Port)], Listener("http.80", port, "http.80"),
            Routes("http.80", Host("any", ["*"], ToCluster("backend"))));
        Assert.Equal(HttpStatusCode.OK, (await proxy.Admin.GetAsync("/ready")).StatusCode);

        using var idle = await RawConnection.OpenAsync(port);
        Assert.DoesNotContain("Connection: close", await ExchangeAsync(idle.Stream, "/fast"), StringComparison.OrdinalIgnoreCase);
        using var busy = await RawConnection.OpenAsync(port);
        await busy.Stream.WriteAsync(Request("/slow"));
        await WaitUntilAsync(() => Task.FromResult(upstream.Requests == 2), "the slow request to reach the upstream");

        var stopping = proxy.App.StopAsync();

        await WaitUntilAsync(async () => (await proxy.Admin.GetAsync("/ready")).StatusCode == HttpStatusCode.ServiceUnavailable, "/ready to answer 503");
        await WaitUntilAsync(async () => !await AcceptsAsync(port), "the listener to refuse new connections");
        Assert.NotNull(await idle.WaitClosedAsync(Deadline));
        Assert.False(stopping.IsCompleted, "the proxy stopped with a request in flight");

        release.SetResult();
        var answer = await ReadToEndAsync(busy.Stream);

        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.Contains("Connection: close", answer, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith("done", answer, StringComparison.Ordinal);
        await stopping.WaitAsync(Deadline);
    }

    [Fact]
    public async Task Stop_RequestOutlastsTheDrainPeriod_CutWhenItEnds()
    {
        await using var upstream = await UpstreamServer.StartAsync(context => Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }));
        var proxy = await TestProxy.StartAsync(limits: new ListenerLimits { TerminationDrainDuration = TimeSpan.FromMilliseconds(300) });
        await using var owned = proxy;
        var port = FreePort.Next();
        await proxy.ApplyAsync([Cluster("backend")], [Endpoints("backend", upstream.Port)], Listener("http.80", port, "http.80"),
            Routes("http.80", Host("any", ["*"], ToCluster("backend"))));
        using var busy = await RawConnection.OpenAsync(port);
        await busy.Stream.WriteAsync(Request("/hang"));
        await WaitUntilAsync(() => Task.FromResult(upstream.Requests == 1), "the request to reach the upstream");

        await proxy.App.StopAsync().WaitAsync(Deadline);

        Assert.NotNull(await busy.WaitClosedAsync(Deadline));
    }

    private static byte[] Request(string path) => Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: backend\r\n\r\n");

    private static async Task<string> ExchangeAsync(NetworkStream stream, string path)
    {
        await stream.WriteAsync(Request(path));
        var received = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Deadline);
        while (!received.ToString().EndsWith("\r\n\r\ndone", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            Assert.True(read > 0, $"closed after: {received}");
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return received.ToString();
    }

    private static async Task<string> ReadToEndAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        var received = new MemoryStream();
        await stream.CopyToAsync(received, timeout.Token);
        return Encoding.ASCII.GetString(received.ToArray());
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (!await condition())
        {
            Assert.False(deadline.IsCancellationRequested, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }
}
