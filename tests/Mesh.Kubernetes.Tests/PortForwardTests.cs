using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Models;
using Mesh.Kubernetes.TestServer;

namespace Mesh.Kubernetes.Tests;

/// <summary>pods/portforward over WebSocket through KubernetesClient, to TCP targets on 127.0.0.1 standing in for the pod.</summary>
public sealed class PortForwardTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private static async Task CreatePodAsync(IKubernetes client, string name) =>
        await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "app" }] },
        }, "default");

    /// <summary>A TCP server on 127.0.0.1 that answers every read with "echo:" and what it read, until the peer closes.</summary>
    private static (TcpListener Listener, Task Serving) StartEcho(CancellationToken cancellationToken)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(cancellationToken);
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        var stream = client.GetStream();
                        var buffer = new byte[4096];
                        int read;
                        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
                        {
                            await stream.WriteAsync(Encoding.ASCII.GetBytes("echo:" + Encoding.ASCII.GetString(buffer, 0, read)), cancellationToken);
                        }
                    }
                }, cancellationToken);
            }
        }, cancellationToken);
        return (listener, serving);
    }

    private static async Task<string> ReadAtLeastAsync(Stream stream, int count)
    {
        using var timeout = new CancellationTokenSource(Limit);
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer);
    }

    [Fact]
    public async Task PortForward_StreamDemuxer_EchoesThroughTarget()
    {
        using var stop = new CancellationTokenSource();
        var (listener, _) = StartEcho(stop.Token);
        var echo = (IPEndPoint)listener.LocalEndpoint;
        var asked = new List<(string, string, int)>();
        await using var fixture = await ServerFixture.StartAsync(new TestApiServerOptions
        {
            PodPortTargets = (ns, pod, port) =>
            {
                lock (asked)
                {
                    asked.Add((ns, pod, port));
                }
                return echo;
            },
        });
        await CreatePodAsync(fixture.Client, "istiod-1");

        using var socket = await fixture.Client.WebSocketNamespacedPodPortForwardAsync("istiod-1", "default", [15014], "v4.channel.k8s.io");
        using var demuxer = new StreamDemuxer(socket, StreamType.PortForward);
        demuxer.Start();
        await using var stream = demuxer.GetStream((byte?)0, (byte?)0);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("hello"));

        Assert.Equal("echo:hello", await ReadAtLeastAsync(stream, "echo:hello".Length));
        Assert.Equal([("default", "istiod-1", 15014)], asked);
        await stop.CancelAsync();
        listener.Stop();
    }

    [Fact]
    public async Task PortForward_RawWebSocket_PortPrefixOnBothChannelsThenData()
    {
        using var stop = new CancellationTokenSource();
        var (listener, _) = StartEcho(stop.Token);
        var echo = (IPEndPoint)listener.LocalEndpoint;
        await using var fixture = await ServerFixture.StartAsync(new TestApiServerOptions { PodPortTargets = (_, _, _) => echo });
        await CreatePodAsync(fixture.Client, "web");
        using var timeout = new CancellationTokenSource(Limit);

        using var socket = await fixture.Client.WebSocketNamespacedPodPortForwardAsync("web", "default", [80, 0x1234], "v4.channel.k8s.io");
        var frames = new List<byte[]>();
        for (var i = 0; i < 4; i++)
        {
            frames.Add(await ReceiveAsync(socket, timeout.Token));
        }
        await socket.SendAsync(new byte[] { 2, (byte)'h', (byte)'i' }, WebSocketMessageType.Binary, true, timeout.Token);
        var answer = await ReceiveAsync(socket, timeout.Token);

        Assert.Equal("v4.channel.k8s.io", socket.SubProtocol);
        Assert.Equal([[0, 80, 0], [1, 80, 0], [2, 0x34, 0x12], [3, 0x34, 0x12]], frames);
        Assert.Equal(2, answer[0]);
        Assert.Equal("echo:hi", Encoding.ASCII.GetString(answer, 1, answer.Length - 1));
        await stop.CancelAsync();
        listener.Stop();
    }

    [Fact]
    public async Task PortForward_NoTarget_ErrorChannelSaysConnectionRefusedAndSocketCloses()
    {
        await using var fixture = await ServerFixture.StartAsync(new TestApiServerOptions { PodPortTargets = (_, _, _) => null });
        await CreatePodAsync(fixture.Client, "web");
        using var timeout = new CancellationTokenSource(Limit);

        using var socket = await fixture.Client.WebSocketNamespacedPodPortForwardAsync("web", "default", [8080], "v4.channel.k8s.io");
        await ReceiveAsync(socket, timeout.Token);
        await ReceiveAsync(socket, timeout.Token);
        var error = await ReceiveAsync(socket, timeout.Token);
        var buffer = new byte[16];
        var end = await socket.ReceiveAsync(buffer, timeout.Token);

        Assert.Equal(1, error[0]);
        var message = Encoding.UTF8.GetString(error, 1, error.Length - 1);
        Assert.StartsWith("error forwarding port 8080 to pod default/web", message);
        Assert.EndsWith("connection refused", message);
        Assert.Equal(WebSocketMessageType.Close, end.MessageType);
    }

    [Fact]
    public async Task PortForward_TargetCloses_WebSocketCloses()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var target = (IPEndPoint)listener.LocalEndpoint;
        await using var fixture = await ServerFixture.StartAsync(new TestApiServerOptions { PodPortTargets = (_, _, _) => target });
        await CreatePodAsync(fixture.Client, "web");
        using var timeout = new CancellationTokenSource(Limit);

        using var socket = await fixture.Client.WebSocketNamespacedPodPortForwardAsync("web", "default", [8080], "v4.channel.k8s.io");
        using (var accepted = await listener.AcceptTcpClientAsync(timeout.Token))
        {
            await accepted.GetStream().WriteAsync("bye"u8.ToArray(), timeout.Token);
        }
        var frames = new List<byte[]>();
        WebSocketReceiveResult result;
        var buffer = new byte[1024];
        while ((result = await socket.ReceiveAsync(buffer, timeout.Token)).MessageType != WebSocketMessageType.Close)
        {
            frames.Add(buffer[..result.Count]);
        }

        Assert.Equal("bye", Encoding.ASCII.GetString(frames.Where(f => f[0] == 0).Skip(1).SelectMany(f => f[1..]).ToArray()));
        listener.Stop();
    }

    [Fact]
    public async Task PortForward_PodMissing_NotFound()
    {
        await using var fixture = await ServerFixture.StartAsync();

        var error = await Assert.ThrowsAsync<WebSocketException>(() =>
            fixture.Client.WebSocketNamespacedPodPortForwardAsync("absent", "default", [8080], "v4.channel.k8s.io"));
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        handler.SslOptions.CertificateChainPolicy.CustomTrustStore.Add(X509Certificate2.CreateFromPem(fixture.Server.CaCertificatePem));
        using var http = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Server.Url, "/api/v1/namespaces/default/pods/absent/portforward?ports=8080"));
        request.Headers.Authorization = new("Bearer", fixture.Server.AdminToken);
        using var plain = await http.SendAsync(request);

        Assert.Contains("'404'", error.Message);
        Assert.Equal(HttpStatusCode.NotFound, plain.StatusCode);
        Assert.Contains("pods \\\"absent\\\" not found", await plain.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PortForward_ServiceAccountToken_Forbidden()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await CreatePodAsync(fixture.Client, "web");
        var token = fixture.Server.IssueServiceAccountToken("default", "sleep", ["https://kubernetes.default.svc.cluster.local"], TimeSpan.FromHours(1));
        using var client = new k8s.Kubernetes(fixture.Server.ClientConfiguration(token));

        var error = await Assert.ThrowsAsync<WebSocketException>(() =>
            client.WebSocketNamespacedPodPortForwardAsync("web", "default", [8080], "v4.channel.k8s.io"));

        Assert.Contains("'403'", error.Message);
    }

    [SkippableFact]
    public async Task KubectlPortForward_SpdyIsRefusedWithTheReason()
    {
        Kubectl.SkipUnlessInstalled();
        await using var fixture = await ServerFixture.StartAsync(new TestApiServerOptions { PodPortTargets = (_, _, _) => null });
        await CreatePodAsync(fixture.Client, "web");
        // kubectl forwards only to a running pod (there is no kubelet to say so).
        await fixture.Client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch("""{"status":{"phase":"Running"}}""", V1Patch.PatchType.MergePatch), "web", "default");

        var (exit, output, error) = await fixture.Kubectl.RunAsync("port-forward", "pod/web", ":8080", "-n", "default");

        Assert.NotEqual(0, exit);
        Assert.Contains("v4.channel.k8s.io", output + error);
    }

    private static async Task<byte[]> ReceiveAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var total = 0;
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(total), cancellationToken) is var r
                ? new WebSocketReceiveResult(r.Count, r.MessageType, r.EndOfMessage) : null!;
            total += result.Count;
        }
        while (!result.EndOfMessage);
        Assert.Equal(WebSocketMessageType.Binary, result.MessageType);
        return buffer[..total];
    }
}
