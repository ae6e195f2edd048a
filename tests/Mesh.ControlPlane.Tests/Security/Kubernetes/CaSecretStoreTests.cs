using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using Mesh.ControlPlane.Kubernetes;
using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Security.Kubernetes;

/// <summary>Where the CA's keys come from on Kubernetes: cacerts when present, else istio-ca-secret, read or created once.</summary>
public sealed class CaSecretStoreTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(TestCa.Now);
    private readonly FakeKubernetesCaApi _api = new();
    private readonly TempDirectory _folder = new();

    private CaSecretStore Store() => new(_api, "istio-system", "cluster.local", _time);

    [Fact]
    public async Task Load_CacertsPresent_SignsWithThePluggedInIntermediate()
    {
        TestCa.WriteIntermediateLayout(_folder.Path, _time);
        _api.Secrets[("istio-system", "cacerts")] = SecretOfFolder("cacerts");

        var (authority, source) = await Store().LoadAsync(CancellationToken.None);

        using (authority)
        {
            Assert.Contains("Intermediate CA", authority.Signing.Subject);
            // The workload's chain carries the intermediate up to the root of root-cert.pem.
            Assert.Single(authority.ChainPem);
            Assert.DoesNotContain("Intermediate", Assert.Single(authority.Bundle.Roots).Subject);
            Assert.Equal("Secret istio-system/cacerts (plugged-in CA)", source);
        }

        Assert.Empty(_api.Writes);
    }

    [Fact]
    public async Task Load_NoSecrets_CreatesIstioCaSecretInIstiodsLayout()
    {
        var (authority, source) = await Store().LoadAsync(CancellationToken.None);

        using (authority)
        {
            var secret = _api.Secrets[("istio-system", "istio-ca-secret")];
            Assert.Equal("istio.io/ca-root", secret.Type);
            Assert.Equal(["ca-cert.pem", "ca-key.pem", "cert-chain.pem", "key.pem", "root-cert.pem"], secret.Data.Keys.Order());
            Assert.Empty(secret.Data["root-cert.pem"]);
            using var stored = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(secret.Data["ca-cert.pem"]));
            Assert.Equal(authority.Signing.Thumbprint, stored.Thumbprint);
            Assert.Equal(stored.Thumbprint, Assert.Single(authority.Bundle.Roots).Thumbprint);
            Assert.Contains("created now", source);
        }
    }

    [Fact]
    public async Task Load_IstioCaSecretPresent_ReusesItsRootWithoutWriting()
    {
        var (first, _) = await Store().LoadAsync(CancellationToken.None);
        _api.Writes.Clear();

        var (second, source) = await Store().LoadAsync(CancellationToken.None);

        Assert.Equal(first.Signing.Thumbprint, second.Signing.Thumbprint);
        Assert.True(second.Signing.HasPrivateKey);
        Assert.Empty(_api.Writes);
        Assert.Equal("Secret istio-system/istio-ca-secret (its self-signed root)", source);
        first.Dispose();
        second.Dispose();
    }

    [Fact]
    public async Task Load_AnotherControlPlaneCreatesTheSecretFirst_UsesTheWinnersRoot()
    {
        using var winner = CertificateAuthority.CreateSelfSigned("cluster.local", _time, TimeSpan.FromDays(10));
        var (certificatePem, keyPem) = CertificateAuthorityPem.ExportSigning(winner);
        _api.BeforeSecretCreate = _ => _api.Secrets[("istio-system", "istio-ca-secret")] = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "istio-ca-secret", NamespaceProperty = "istio-system" },
            Data = new Dictionary<string, byte[]> { ["ca-cert.pem"] = Encoding.UTF8.GetBytes(certificatePem), ["ca-key.pem"] = Encoding.UTF8.GetBytes(keyPem) },
        };

        var (authority, source) = await Store().LoadAsync(CancellationToken.None);

        using (authority)
        {
            Assert.Equal(winner.Signing.Thumbprint, authority.Signing.Thumbprint);
            Assert.Contains("another control plane created first", source);
        }
    }

    [Fact]
    public async Task Load_CacertsWithoutItsKey_FailsNamingTheSecretAndKey()
    {
        TestCa.WriteIntermediateLayout(_folder.Path, _time);
        var secret = SecretOfFolder("cacerts");
        secret.Data.Remove("ca-key.pem");
        _api.Secrets[("istio-system", "cacerts")] = secret;

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Store().LoadAsync(CancellationToken.None));

        Assert.Contains("Secret istio-system/cacerts key ca-key.pem: missing", error.Message);
    }

    [Fact]
    public async Task Load_SecretsForbidden_FailsSayingWhichSecretAndWhy()
    {
        var api = new ForbiddingApi();

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new CaSecretStore(api, "istio-system", "cluster.local", _time).LoadAsync(CancellationToken.None));

        Assert.Contains("Secret istio-system/cacerts: could not be read: 403", error.Message);
    }

    private V1Secret SecretOfFolder(string name)
    {
        var data = new Dictionary<string, byte[]>();
        foreach (var file in Directory.GetFiles(_folder.Path))
        {
            data[Path.GetFileName(file)] = File.ReadAllBytes(file);
        }

        return new V1Secret { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "istio-system" }, Data = data };
    }

    public void Dispose() => _folder.Dispose();

    private sealed class ForbiddingApi : IKubernetesCaApi
    {
        public Task<V1TokenReview> CreateTokenReviewAsync(V1TokenReview review, CancellationToken cancellationToken) => throw FakeKubernetesCaApi.Error(HttpStatusCode.Forbidden);
        public Task<V1Secret?> ReadSecretAsync(string ns, string name, CancellationToken cancellationToken) => throw FakeKubernetesCaApi.Error(HttpStatusCode.Forbidden);
        public Task<V1Secret> CreateSecretAsync(V1Secret secret, CancellationToken cancellationToken) => throw FakeKubernetesCaApi.Error(HttpStatusCode.Forbidden);
        public Task<V1ConfigMap> CreateConfigMapAsync(V1ConfigMap configMap, CancellationToken cancellationToken) => throw FakeKubernetesCaApi.Error(HttpStatusCode.Forbidden);
        public Task<V1ConfigMap> ReplaceConfigMapAsync(V1ConfigMap configMap, CancellationToken cancellationToken) => throw FakeKubernetesCaApi.Error(HttpStatusCode.Forbidden);
    }
}
