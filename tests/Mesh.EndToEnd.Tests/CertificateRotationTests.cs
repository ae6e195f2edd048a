using System.Text.Json;

namespace Mesh.EndToEnd.Tests;

/// <summary>The whole local mesh with 4-second workload certificates renewed at half-life, under steady traffic through the gateway.</summary>
public sealed class CertificateRotationTests
{
    [Fact]
    public async Task ShortLivedCertificates_SeveralRotationsUnderLoad_NoRequestFails()
    {
        await using var run = await MeshRun.StartAsync(configure: options => options with
        {
            WorkloadCertificateLifetime = TimeSpan.FromSeconds(4),
            CertificateRenewFraction = 0.5,
        });
        await using var traffic = TrafficLoop.Start(run);

        // Every proxy (gateway and sidecars) has installed at least four certificates while traffic flowed.
        await MeshRun.WaitUntilAsync(async () =>
        {
            foreach (var (_, admin) in run.Mesh.Proxies)
            {
                using var certs = JsonDocument.Parse(await run.Client.GetStringAsync(new Uri(admin, "/certs")));
                if (certs.RootElement.GetProperty("certificates_installed").GetInt32() < 4) return false;
            }

            return true;
        }, TimeSpan.FromSeconds(60), "four certificates on every proxy");

        var answers = await traffic.StopAsync();
        Assert.NotEmpty(answers);
        Assert.All(answers, answer => Assert.Equal(200, answer.Status));
    }
}
