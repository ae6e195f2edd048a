using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using Mesh.ControlPlane.Kubernetes;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;

namespace Mesh.ControlPlane.Tests.Kubernetes;

/// <summary>Secrets read as gateway credentials, and Istio's credentialName rule resolving them.</summary>
public sealed class SecretCredentialsTests
{
    private static readonly (string Certificate, string Key) Pair = CreatePair();

    [Fact]
    public void Read_KubernetesTlsSecret_CertificateKeyAndCa()
    {
        var credential = SecretCredentials.Read(SecretCredentials.Trim(Secret("istio-system", "shop", ("tls.crt", Pair.Certificate), ("tls.key", Pair.Key), ("ca.crt", Pair.Certificate), ("other", "dropped"))))!;

        Assert.Null(credential.Problem);
        Assert.True(credential.HasKeyPair);
        Assert.Equal(Pair.Certificate, credential.CaCertificatesPem);
    }

    [Fact]
    public void Read_CrlKey_KeptWithTheCredential_AndOneThatIsNoCrlMakesItUnusable()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Client CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var crl = PemEncoding.WriteString("X509 CRL", new CertificateRevocationListBuilder().Build(ca, 1, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256));

        var credential = SecretCredentials.Read(SecretCredentials.Trim(Secret("ns", "s", ("tls.crt", Pair.Certificate), ("tls.key", Pair.Key), ("ca.crl", crl))))!;
        Assert.Null(credential.Problem);
        Assert.Equal(crl, credential.CrlPem);

        var bad = SecretCredentials.Read(Secret("ns", "s", ("cert", Pair.Certificate), ("key", Pair.Key), ("crl", Pair.Certificate)))!;
        Assert.Contains("key 'crl' holds no PEM X509 CRL block", bad.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Trim_KeepsOnlyCredentialKeys_AndBoundsTheirSize()
    {
        var trimmed = SecretCredentials.Trim(Secret("ns", "s", ("cert", new string('x', SecretCredentials.MaxValueBytes + 1)), ("key", Pair.Key), ("password", "p")));

        Assert.Equal(["cert", "key"], trimmed.Data.Keys.Order());
        Assert.Contains("empty or over", SecretCredentials.Read(trimmed)!.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_KeyNotMatchingCertificate_Malformed()
    {
        var other = CreatePair();
        var credential = SecretCredentials.Read(Secret("ns", "s", ("cert", Pair.Certificate), ("key", other.Key)))!;

        Assert.NotNull(credential.Problem);
        Assert.False(credential.HasKeyPair);
    }

    [Fact]
    public void Read_UnrelatedSecret_NotACredential() => Assert.Null(SecretCredentials.Read(Secret("ns", "s", ("password", "p"))));

    [Fact]
    public void ResolveSecret_GatewayNamespaceOnly_AndMutualTakesTheCacertSecret()
    {
        var secrets = Store(
            Secret("istio-system", "shop", ("cert", Pair.Certificate), ("key", Pair.Key)),
            Secret("istio-system", "shop-cacert", ("cacert", Pair.Certificate)),
            Secret("default", "elsewhere", ("cert", Pair.Certificate), ("key", Pair.Key)));

        Assert.NotNull(GatewayTlsTranslator.ResolveSecret(secrets, "istio-system", "shop", mutual: false, out _));
        var mutual = GatewayTlsTranslator.ResolveSecret(secrets, "istio-system", "shop", mutual: true, out _);
        Assert.Equal(Pair.Certificate, mutual!.Value.CaCertificatesPem);
        Assert.Null(GatewayTlsTranslator.ResolveSecret(secrets, "istio-system", "elsewhere", mutual: false, out var problem));
        Assert.Contains("istio-system/elsewhere does not exist", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Update_ChangedSecret_NamesOnlyItsKey()
    {
        var store = new CredentialStore();
        var first = Secret("istio-system", "shop", ("cert", Pair.Certificate), ("key", Pair.Key));
        var unrelated = Secret("istio-system", "other", ("cert", Pair.Certificate), ("key", Pair.Key));
        store.Update([first, unrelated], []);
        var changed = new HashSet<ConfigKey>();

        first.Metadata.ResourceVersion = "2";
        store.Update([first, unrelated], changed);

        Assert.Equal([new ConfigKey(TlsCredentialModel.SecretKind, "istio-system", "shop")], changed);
        changed.Clear();
        store.Update([unrelated], changed);
        Assert.Equal([new ConfigKey(TlsCredentialModel.SecretKind, "istio-system", "shop")], changed);
    }

    private static IReadOnlyDictionary<string, TlsCredentialModel> Store(params V1Secret[] secrets)
    {
        var store = new CredentialStore();
        store.Update(secrets, []);
        return store.Current;
    }

    internal static V1Secret Secret(string ns, string name, params (string Key, string Value)[] data) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, ResourceVersion = "1" },
        Data = data.ToDictionary(d => d.Key, d => Encoding.UTF8.GetBytes(d.Value)),
    };

    internal static (string Certificate, string Key) CreatePair()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=shop.example.com", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }
}
