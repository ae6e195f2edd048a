using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Mesh.Security;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// The control plane's gRPC port over TLS with istiod's identity, its serving certificate rotating every few seconds
/// while the proxies stay connected, SYNCED, and keep taking config.
/// </summary>
public sealed class ControlPlaneTlsTests
{
    private const string Istiod = "spiffe://cluster.local/ns/istio-system/sa/istiod";

    [Fact]
    public async Task DiscoveryPort_ServingCertificateRotates_OpenSslSeesIstiodAndProxiesStaySynced()
    {
        await using var run = await MeshRun.StartAsync(configure: options => options with { ControlPlaneCertificateLifetime = TimeSpan.FromSeconds(12) });
        var rootFile = Path.Combine(run.Mesh.CaDir, CertificateAuthorityFolder.RootCertFile);

        var first = await ServingCertificateAsync(run.Mesh.DiscoveryPort, rootFile);
        Assert.Equal([Istiod], UriSubjectAlternativeNames.Read(first));

        // A rotation: a new handshake sees a newer certificate, still from the CA and still istiod.
        var latest = first;
        await MeshRun.WaitUntilAsync(async () =>
        {
            latest = await ServingCertificateAsync(run.Mesh.DiscoveryPort, rootFile);
            return latest.SerialNumber != first.SerialNumber;
        }, TimeSpan.FromSeconds(30), "the control plane to rotate its serving certificate");
        Assert.Equal([Istiod], UriSubjectAlternativeNames.Read(latest));
        Assert.True(latest.NotAfter > first.NotAfter);

        await MeshRun.WaitUntilAsync(async () => SyncedProxies(await run.GetControlPlaneJsonAsync("/debug/syncz")) == 4,
            TimeSpan.FromSeconds(30), "all four proxies to be SYNCED");
        // The streams opened before the rotations still carry pushes.
        run.WriteConfig("backend-routing.yaml", run.ReadConfig("backend-routing.yaml").Replace("weight: 80", "weight: 0").Replace("weight: 20", "weight: 100"));
        await MeshRun.WaitUntilAsync(async () => (await run.GetManyAsync(20)).All(a => a.Backend == "backend-v2"),
            TimeSpan.FromSeconds(20), "the new split to reach the proxies after the rotations");
    }

    /// <summary>openssl s_client against the port, verified with the CA root bundle; the leaf it printed.</summary>
    private static async Task<X509Certificate2> ServingCertificateAsync(int port, string rootFile)
    {
        var output = await OpenSslClient.RequestAsync(port, null, null, rootFile);
        // Per-depth lines: the session summary ("Verify return code") may be cut short when the h2-only port closes on our HTTP/1.1 line.
        Assert.True(output.Contains("verify return:1", StringComparison.Ordinal) && !output.Contains("verify error", StringComparison.Ordinal),
            $"openssl did not verify the control plane with {rootFile}: {output}");
        var begin = output.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);
        const string EndMarker = "-----END CERTIFICATE-----";
        var end = output.IndexOf(EndMarker, begin, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"openssl printed no certificate: {output}");
        return X509Certificate2.CreateFromPem(output.AsSpan(begin, end + EndMarker.Length - begin));
    }

    private static int SyncedProxies(JsonDocument syncz)
    {
        using (syncz)
        {
            var proxies = syncz.RootElement.ValueKind == JsonValueKind.Array ? syncz.RootElement : syncz.RootElement.GetProperty("proxies");
            return proxies.EnumerateArray().Count(p => p.GetProperty("status").GetString() == "SYNCED");
        }
    }
}
