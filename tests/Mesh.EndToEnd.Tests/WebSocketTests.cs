using System.Net.WebSockets;
using System.Text;
using Mesh.Meshctl.Local;
using static Mesh.Tests.Shared.WebSocketEcho;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// WebSockets across the local mesh with every workload STRICT, so that each sidecar-to-sidecar hop can only be mTLS
/// (HTTP/2, where the WebSocket travels as an extended CONNECT): gateway → frontend sidecar → frontend app, and
/// frontend's outbound port → backend sidecar → backend app. The sample app echoes.
/// </summary>
public sealed class WebSocketTests(WebSocketTests.Fixture fixture) : IClassFixture<WebSocketTests.Fixture>
{
    private const string StrictNamespace = """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: { name: default, namespace: default }
        spec:
          mtls: { mode: STRICT }
        """;

    // ForwardingLog's event 4001, as the gateway's console writes it.
    private const string ClientGone = "client went away";

    private LocalMesh Mesh => fixture.Run.Mesh;

    [Fact]
    public async Task Gateway_WebSocketToFrontend_EchoedAcrossMutualTls()
    {
        using var socket = await ConnectAsync(Mesh.GatewayUrl.Port, host: null);

        await AssertEchoesAsync(socket, "hello through the gateway");
        await AssertEchoesAsync(socket, new string('w', 200_000));
        await CloseAsync(socket);
    }

    [Fact]
    public async Task OutboundPort_WebSocketToBackend_EchoedAcrossMutualTls()
    {
        var frontend = Mesh.Workloads.Single(w => w.Name == "frontend-v1");

        using var socket = await ConnectAsync(frontend.OutboundPort, host: "backend:9080");

        await AssertEchoesAsync(socket, "hello from the frontend's outbound port");
        await CloseAsync(socket);
    }

    [Fact]
    public async Task Gateway_ClientAbortsItsWebSocket_OneLineWithoutStackInTheGatewayLog()
    {
        using var socket = await ConnectAsync(Mesh.GatewayUrl.Port, host: null);
        await AssertEchoesAsync(socket, "about to go away");

        socket.Abort();

        var log = Path.Combine(Mesh.LogDir, LocalMesh.GatewayName + ".log");
        await MeshRun.WaitUntilAsync(() => Task.FromResult(ReadShared(log).Contains(ClientGone, StringComparison.Ordinal)), TimeSpan.FromSeconds(10),
            "the gateway's log line for the client gone");
        var lines = ReadShared(log).Split('\n');
        Assert.Single(lines, line => line.Contains(ClientGone, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task<ClientWebSocket> ConnectAsync(int port, string? host)
    {
        var socket = new ClientWebSocket();
        if (host is not null)
        {
            socket.Options.SetRequestHeader("Host", host);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false });
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/echo"), invoker, timeout.Token);
        return socket;
    }

    public sealed class Fixture : IAsyncLifetime
    {
        internal MeshRun Run { get; private set; } = null!;

        public async Task InitializeAsync() =>
            Run = await MeshRun.StartAsync(configOverrides: new Dictionary<string, string> { ["peer-authentication.yaml"] = StrictNamespace });

        public async Task DisposeAsync() => await Run.DisposeAsync();
    }
}
