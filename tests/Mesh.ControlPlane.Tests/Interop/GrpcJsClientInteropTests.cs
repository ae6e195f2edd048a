using System.Net.Http;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Tests.Translation;
using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Interop;

/// <summary>
/// Wire compatibility proven by an independent implementation: grpc-js clients (client.js, loading our .proto with
/// proto-loader) against the real discovery, CA and health services of a control plane on 127.0.0.1.
/// </summary>
public sealed class GrpcJsClientInteropTests : IAsyncLifetime
{
    private const string ProxyId = "sidecar~frontend-v1.default";
    private const int Unauthenticated = 16;
    private static readonly SpiffeId Backend = new("cluster.local", "default", "backend");

    private readonly TempDirectory _root = new();
    private ControlPlaneServer _server = null!;
    private BootstrapToken _tokens = null!;

    public async Task InitializeAsync()
    {
        var config = Directory.CreateDirectory(Path.Combine(_root.Path, "config")).FullName;
        File.WriteAllText(Path.Combine(config, "workloads.yaml"), DemoYaml.Workloads);
        var ca = Path.Combine(_root.Path, "ca");
        _server = ControlPlaneServer.Create(
            new ControlPlaneOptions { ConfigDirectory = config, CaDirectory = ca, GrpcPort = 0, HttpPort = 0 }, TimeProvider.System, _ => { });
        await _server.StartAsync();
        _tokens = BootstrapToken.LoadOrCreate(ca);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _root.Dispose();
    }

    private string Port => _server.GrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task StreamResources_GrpcJsClientAcksEveryResponse_SyncedInSynczUntilItEndsTheStream()
    {
        await using var client = NodePeer.Start("client.js", Port, "discovery", ProxyId);

        var acked = await client.ReadEventAsync("acked");
        var responses = acked.GetProperty("responses").EnumerateArray().ToList();
        Assert.Equal(TypeUrls.PushOrder, responses.Select(r => r.GetProperty("type_url").GetString()));
        Assert.Contains("outbound", responses[3].GetProperty("names").EnumerateArray().Select(n => n.GetString()));
        await Eventually.TrueAsync(async () => (await SynczProxyAsync())?.GetProperty("status").GetString() == "SYNCED", "syncz to show the grpc-js proxy SYNCED");
        var proxy = (await SynczProxyAsync())!.Value;
        Assert.Equal(responses[0].GetProperty("version_info").GetString(), proxy.GetProperty("types").GetProperty("cds").GetProperty("ackedVersion").GetString());

        await client.CompleteInputAsync();
        var status = await client.ReadEventAsync("status");

        Assert.Equal(0, status.GetProperty("code").GetInt32());
        await Eventually.TrueAsync(() => _server.Registry.Count == 0, "the connection to be removed");
    }

    [Fact]
    public async Task CreateCertificate_GrpcJsClientWithBootstrapToken_ChainVerifiesAgainstTheBundle()
    {
        using var key = WorkloadKey.Create();
        await using var client = NodePeer.Start("client.js", Port, "certificate", _tokens.Create(Backend));

        await client.CompleteInputAsync(WorkloadKey.CreateSigningRequestPem(key, Backend));
        var result = await client.ReadEventAsync("status");

        Assert.Equal(0, result.GetProperty("code").GetInt32());
        using var leaf = X509Certificate2.CreateFromPem(result.GetProperty("cert_chain")[0].GetString());
        var verification = PeerCertificateVerifier.Verify(leaf, [], TrustBundle.FromPem(result.GetProperty("trust_bundle").GetString()!),
            DateTimeOffset.UtcNow, [Backend.Uri]);
        Assert.True(verification.IsVerified, verification.Error);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), leaf.PublicKey.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public async Task CreateCertificate_GrpcJsClientWithForgedToken_Unauthenticated()
    {
        using var key = WorkloadKey.Create();
        var forged = new BootstrapToken(new byte[32]).Create(Backend);
        await using var client = NodePeer.Start("client.js", Port, "certificate", forged);

        await client.CompleteInputAsync(WorkloadKey.CreateSigningRequestPem(key, Backend));
        var result = await client.ReadEventAsync("status");

        Assert.Equal(Unauthenticated, result.GetProperty("code").GetInt32());
        Assert.Contains("not one this control plane issued", result.GetProperty("details").GetString());
    }

    [Fact]
    public async Task HealthCheck_GrpcJsClient_Serving()
    {
        await using var client = NodePeer.Start("client.js", Port, "health");

        var result = await client.ReadEventAsync("status");

        Assert.Equal(0, result.GetProperty("code").GetInt32());
        Assert.Equal("SERVING", result.GetProperty("serving").GetString());
    }

    /// <summary>The grpc-js proxy's entry in /debug/syncz, or null while it is not listed.</summary>
    private async Task<JsonElement?> SynczProxyAsync()
    {
        using var http = new HttpClient();
        using var syncz = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{_server.HttpPort}/debug/syncz"));
        foreach (var proxy in syncz.RootElement.GetProperty("proxies").EnumerateArray())
        {
            if (proxy.GetProperty("id").GetString() == ProxyId) return proxy.Clone();
        }
        return null;
    }
}
