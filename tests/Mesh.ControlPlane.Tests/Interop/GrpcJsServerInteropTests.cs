using Mesh.Contracts.Discovery;
using Mesh.Proxy;
using Mesh.Proxy.Discovery;

namespace Mesh.ControlPlane.Tests.Interop;

/// <summary>The proxy's side of the wire against an independent implementation: its Grpc.Net.Client discovery transport and a grpc-js server.</summary>
public sealed class GrpcJsServerInteropTests
{
    [Fact]
    public async Task GrpcDiscoveryTransport_AgainstGrpcJsServer_ProxySubscribesWithNodeAndAcksWithTheNonce()
    {
        await using var stub = NodePeer.Start("discovery-server.js");
        var ready = await stub.ReadEventAsync("ready");
        var address = new Uri($"http://127.0.0.1:{ready.GetProperty("port").GetInt32()}");
        using var transport = new GrpcDiscoveryTransport(address);
        var options = new ProxyOptions(ProxyRole.Router, "gw", "default", address, null, 0, 0, "127.0.0.1", new Dictionary<string, string>());
        await using var proxy = ProxyApplication.Build(options, transport, TimeProvider.System, new Random(3));

        await proxy.StartAsync();
        var subscribe = await stub.ReadEventAsync("request");
        var ack = subscribe;
        while (ack.GetProperty("response_nonce").GetString() != "stub-1") ack = await stub.ReadEventAsync("request");
        await proxy.StopAsync();

        Assert.Equal(("router~gw.default", TypeUrls.Cluster), (subscribe.GetProperty("node_id").GetString(), subscribe.GetProperty("type_url").GetString()));
        Assert.Equal(TypeUrls.Cluster, ack.GetProperty("type_url").GetString());
        Assert.Equal("v1", ack.GetProperty("version_info").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, ack.GetProperty("error").ValueKind);
    }
}
