using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Mesh.Security;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// Rotating the mesh's root the way an operator does it, under steady traffic: add the new root to root-cert.pem and
/// restart the control plane; once every proxy trusts both roots, sign with the new root and restart again.
/// </summary>
public sealed class RootRotationTests
{
    [Fact]
    public async Task RootRotation_TwoRootsInTheBundleThenTheNewSigner_NoRequestFails()
    {
        await using var run = await MeshRun.StartAsync(configure: options => options with
        {
            WorkloadCertificateLifetime = TimeSpan.FromSeconds(4),
            CertificateRenewFraction = 0.5,
        });
        var caDir = run.Mesh.CaDir;
        var oldRoot = File.ReadAllText(Path.Combine(caDir, CertificateAuthorityFolder.RootCertFile));
        using var newRoot = CertificateAuthority.CreateSelfSigned(SpiffeId.DefaultTrustDomain, TimeProvider.System, TimeSpan.FromDays(30));
        var newRootPem = newRoot.Signing.ExportCertificatePem();
        await using var traffic = TrafficLoop.Start(run);

        // Step 1: both roots in the bundle, still signing with the old one.
        File.WriteAllText(Path.Combine(caDir, CertificateAuthorityFolder.RootCertFile), oldRoot + newRootPem + "\n");
        await RestartControlPlaneAsync(run);
        await WaitForEveryProxyAsync(run, certs => certs.GetProperty("trust_bundle").GetArrayLength() == 2, "both roots in every proxy's bundle");

        // Step 2: sign with the new root.
        File.WriteAllText(Path.Combine(caDir, CertificateAuthorityFolder.CaKeyFile), newRoot.Signing.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(caDir, CertificateAuthorityFolder.CertChainFile), newRootPem);
        File.WriteAllText(Path.Combine(caDir, CertificateAuthorityFolder.CaCertFile), newRootPem);
        await RestartControlPlaneAsync(run);
        await WaitForEveryProxyAsync(run, certs => certs.GetProperty("certificate").GetProperty("issuer").GetString() == newRoot.Signing.Subject,
            "every proxy's certificate issued by the new root");
        await traffic.WaitForAnswersAsync(1);

        var answers = await traffic.StopAsync();
        Assert.All(answers, answer => Assert.Equal(200, answer.Status));
    }

    private static async Task RestartControlPlaneAsync(MeshRun run)
    {
        await run.Mesh.KillControlPlaneAsync();
        await run.Mesh.StartControlPlaneAsync();
    }

    private static Task WaitForEveryProxyAsync(MeshRun run, Func<JsonElement, bool> condition, string what) =>
        MeshRun.WaitUntilAsync(async () =>
        {
            foreach (var (_, admin) in run.Mesh.Proxies)
            {
                using var certs = JsonDocument.Parse(await run.Client.GetStringAsync(new Uri(admin, "/certs")));
                if (!condition(certs.RootElement)) return false;
            }

            return true;
        }, TimeSpan.FromSeconds(60), what);
}
