using System.Net;
using System.Net.Sockets;
using Mesh.Meshctl.Local;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// The gateway process run out of file descriptors by idle clients: it says which listener cannot accept on /ready,
/// stays up, and accepts again once the clients are gone (Linux: the gateway's limit is lowered with prlimit).
/// </summary>
public sealed class DescriptorExhaustionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Gateway_OutOfDescriptorsThenFreed_NotReadyNamingTheListenerThenAcceptsAgain()
    {
        await using var run = await MeshRun.StartAsync();
        var pid = run.Mesh.ProcessId(LocalMesh.GatewayName) ?? throw new InvalidOperationException("no gateway process");
        var admin = run.Mesh.Proxies[0].Admin;
        var gateway = run.Mesh.GatewayUrl;
        // A hundred descriptors to spare, then idle clients past them: the gateway's listener finds none left.
        DescriptorLimit.SetSoftLimit(pid, DescriptorLimit.OpenDescriptors(pid) + 100);
        var clients = new List<Socket>();
        try
        {
            for (var i = 0; i < 300; i++)
            {
                clients.Add(await OpenIdleHttp2Async(gateway.Port));
            }

            var notReady = await WaitForReadyAsync(admin, expectReady: false);
            Assert.Contains($"127.0.0.1:{gateway.Port}", notReady);
            Assert.Contains("out of file descriptors", notReady);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }

        await WaitForReadyAsync(admin, expectReady: true);
        var answer = await run.GetAsync();
        Assert.True(answer.Status == 200, $"status {answer.Status} after the descriptors were freed: {answer.Body}");
        Assert.NotNull(run.Mesh.ProcessId(LocalMesh.GatewayName));
        // One episode, one warning and one recovery line, however many accepts failed.
        var output = run.Mesh.RecentOutput(LocalMesh.GatewayName).Split('\n');
        Assert.Single(output, line => line.Contains("[2005]") && line.Contains($"127.0.0.1:{gateway.Port}"));
        Assert.Single(output, line => line.Contains("[2006]") && line.Contains($"127.0.0.1:{gateway.Port}"));
    }

    /// <summary>A client that sends the HTTP/2 preface and its SETTINGS, then nothing: held by the gateway until its idle timeout (an hour).</summary>
    private static async Task<Socket> OpenIdleHttp2Async(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Connects even once the gateway stops accepting: the kernel queues the connection (backlog 512).
            await socket.ConnectAsync(IPAddress.Loopback, port);
            byte[] prefaceAndSettings = [.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8, 0, 0, 0, 4, 0, 0, 0, 0, 0];
            await socket.SendAsync(prefaceAndSettings);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Polls /ready on a new connection each time (as a probe would) until it answers 200 or 503 as expected; returns the body.</summary>
    private static async Task<string> WaitForReadyAsync(Uri admin, bool expectReady)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(3) };
        var last = "(no answer)";
        using var deadline = new CancellationTokenSource(Bound);
        while (!deadline.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(admin, "/ready"));
                request.Headers.ConnectionClose = true;
                using var response = await client.SendAsync(request);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                if (response.IsSuccessStatusCode == expectReady)
                {
                    return last;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                last = ex.Message;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"/ready never answered {(expectReady ? "200" : "503")} within {Bound.TotalSeconds} s; last: {last}");
    }
}
