using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Mesh.Meshctl.Local;
using Mesh.Security;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// The local mesh with real peers: every hop is mTLS by default (auto mTLS), backend v1 is STRICT, backend v2 PERMISSIVE.
/// Outside clients (openssl, plain HTTP) are accepted or refused as PeerAuthentication says, with a log line per refusal.
/// </summary>
public sealed partial class MutualTlsTests(MutualTlsFixture fixture) : IClassFixture<MutualTlsFixture>
{
    private static readonly SpiffeId Frontend = new("cluster.local", "default", "frontend");
    private const string BackendSidecar = "backend-v1 sidecar";

    private LocalMesh Mesh => fixture.Run.Mesh;

    private LocalWorkload BackendV1 => Mesh.Workloads.Single(w => w.Name == "backend-v1");

    private LocalWorkload BackendV2 => Mesh.Workloads.Single(w => w.Name == "backend-v2");

    private string RootFile => Path.Combine(Mesh.CaDir, CertificateAuthorityFolder.RootCertFile);

    [Fact]
    public async Task Gateway_EveryHopMutualTls_BothBackendsServeAndRecordTheFrontendAsPeer()
    {
        var answers = await fixture.Run.GetManyAsync(30, parallel: 4);
        Assert.All(answers, a => Assert.Equal(200, a.Status));

        // The backend sidecars' standard metrics: the caller was authenticated as the frontend over mTLS.
        foreach (var name in new[] { "backend-v1 sidecar", "backend-v2 sidecar" })
        {
            var metrics = await fixture.Run.Client.GetStringAsync(Mesh.MetricsEndpoints.Single(m => m.Name == name).Metrics);
            Assert.Matches(InboundFromFrontendOverMtls(), metrics);
        }
    }

    [Fact]
    public async Task OpensslSClient_StrictPortWithMeshCertificate_ShowsSpiffeSanAndServes()
    {
        using var ca = ClientCertificateFiles.MeshCa(Mesh.CaDir, DateTimeOffset.UtcNow);
        var (certificate, key) = ClientCertificateFiles.Write(fixture.Scratch, "frontend", ca, Frontend, TimeSpan.FromHours(1));

        var output = await OpenSslClient.RequestAsync(BackendV1.InboundPort, certificate, key, RootFile);

        using var server = X509Certificate2.CreateFromPem(FirstPem().Match(output).Value);
        Assert.Equal(["spiffe://cluster.local/ns/default/sa/backend"], UriSubjectAlternativeNames.Read(server));
        Assert.Contains("Verify return code: 0 (ok)", output);
        Assert.Contains("HTTP/1.1 200", output);
    }

    [Fact]
    public async Task OpensslSClient_StrictPortWithoutClientCertificate_RefusedAndLogged()
    {
        var output = await OpenSslClient.RequestAsync(BackendV1.InboundPort, null, null, RootFile);

        Assert.DoesNotContain("HTTP/1.1 200", output);
        await WaitForLogAsync(BackendSidecar, "no client certificate");
    }

    [Fact]
    public async Task Plaintext_RefusedOnStrictPort_AcceptedOnPermissivePort()
    {
        using var plain = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync($"http://127.0.0.1:{BackendV1.InboundPort}/"));
        await WaitForLogAsync(BackendSidecar, "refused plaintext connection");

        using var permissive = await plain.GetAsync($"http://127.0.0.1:{BackendV2.InboundPort}/");
        Assert.Equal(200, (int)permissive.StatusCode);
    }

    [Fact]
    public async Task OpensslSClient_OtherCaExpiredAndForeignTrustDomain_EachRefusedWithClearLogLine()
    {
        using var other = CertificateAuthority.CreateSelfSigned("cluster.local", TimeProvider.System, TimeSpan.FromDays(1));
        var stranger = ClientCertificateFiles.Write(fixture.Scratch, "stranger", other, Frontend, TimeSpan.FromHours(1));
        using var yesterday = ClientCertificateFiles.MeshCa(Mesh.CaDir, DateTimeOffset.UtcNow.AddHours(-2));
        var expired = ClientCertificateFiles.Write(fixture.Scratch, "expired", yesterday, Frontend, TimeSpan.FromHours(1));
        using var ca = ClientCertificateFiles.MeshCa(Mesh.CaDir, DateTimeOffset.UtcNow);
        var foreign = ClientCertificateFiles.Write(fixture.Scratch, "foreign", ca, new SpiffeId("evil.example", "default", "frontend"), TimeSpan.FromHours(1));

        foreach (var (certificate, key) in new[] { stranger, expired, foreign })
        {
            Assert.DoesNotContain("HTTP/1.1 200", await OpenSslClient.RequestAsync(BackendV1.InboundPort, certificate, key, RootFile));
        }

        await WaitForLogAsync(BackendSidecar, "does not chain to a trusted root");
        await WaitForLogAsync(BackendSidecar, "is not valid now");
        await WaitForLogAsync(BackendSidecar, "spiffe://evil.example/ns/default/sa/frontend is outside this mesh's trust domain");
    }

    [Fact]
    public async Task TlsCheck_FrontendToBackend_ShowsMutualTlsAndThePeerPerEndpoint()
    {
        var admins = Mesh.Proxies.ToDictionary(p => p.Name, p => p.Admin);
        var source = await fixture.Run.Client.GetStringAsync(new Uri(admins["frontend-v1 sidecar"], "/config_dump"));
        var peers = new List<global::Mesh.Meshctl.Commands.TlsCheck.Peer>();
        foreach (var name in new[] { "backend-v1 sidecar", "backend-v2 sidecar" })
        {
            peers.Add(new(await fixture.Run.Client.GetStringAsync(new Uri(admins[name], "/config_dump")),
                await fixture.Run.Client.GetStringAsync(new Uri(admins[name], "/certs"))));
        }

        var table = global::Mesh.Meshctl.Commands.TlsCheck.Render(source, peers, "backend.default.svc.cluster.local");

        var v1 = Assert.Single(table.Split('\n'), line => line.StartsWith("outbound|9080|v1|", StringComparison.Ordinal));
        Assert.Matches(@"ISTIO_MUTUAL \(auto\)\s+127\.0\.0\.1:\d+\s+STRICT\s+spiffe://cluster.local/ns/default/sa/backend\s+mTLS, peer spiffe://cluster.local/ns/default/sa/backend", v1);
        var v2 = Assert.Single(table.Split('\n'), line => line.StartsWith("outbound|9080|v2|", StringComparison.Ordinal));
        Assert.Contains("PERMISSIVE", v2);
        Assert.Contains("mTLS, peer spiffe://cluster.local/ns/default/sa/backend", v2);
    }

    private Task WaitForLogAsync(string program, string text) => MeshRun.WaitUntilAsync(
        () => Task.FromResult(File.ReadAllText(Path.Combine(Mesh.LogDir, program.Replace(' ', '-') + ".log")).Contains(text, StringComparison.Ordinal)),
        TimeSpan.FromSeconds(10), $"'{text}' in the {program} log");

    [GeneratedRegex("-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----")]
    private static partial Regex FirstPem();

    [GeneratedRegex("""istio_requests_total\{[^}]*reporter="destination"[^}]*source_principal="spiffe://cluster.local/ns/default/sa/frontend"[^}]*connection_security_policy="mutual_tls"[^}]*\} [1-9]""")]
    private static partial Regex InboundFromFrontendOverMtls();
}
