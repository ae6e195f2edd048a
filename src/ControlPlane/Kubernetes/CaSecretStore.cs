using System.Text;
using k8s.Models;
using Mesh.Security;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// The CA's keys on Kubernetes, where istiod keeps them in its namespace: the plugged-in <c>cacerts</c> Secret when an
/// operator made one; else istiod's own <c>istio-ca-secret</c>, read, or created with a new self-signed root on first
/// start. Two control planes starting at once both try to create it; the loser reads and uses the winner's.
/// </summary>
internal sealed class CaSecretStore(IKubernetesCaApi api, string systemNamespace, string trustDomain, TimeProvider time)
{
    public const string PluggedSecret = "cacerts";
    public const string SelfSignedSecret = "istio-ca-secret";

    /// <summary>istiod's type for <c>istio-ca-secret</c>.</summary>
    public const string SelfSignedSecretType = "istio.io/ca-root";

    /// <summary>A key istiod writes (empty) into <c>istio-ca-secret</c> beside the CA's own.</summary>
    public const string PrivateKeyKey = "key.pem";

    // istiod's default for a self-signed root (CITADEL_SELF_SIGNED_CA_CERT_TTL).
    private static readonly TimeSpan SelfSignedRootLifetime = TimeSpan.FromDays(3650);

    /// <summary>
    /// The CA, and where it came from in words (for the CA's ready line). Throws <see cref="InvalidDataException"/> naming the Secret (and key)
    /// when a Secret cannot be read or written, or holds no usable CA.
    /// </summary>
    public async Task<(CertificateAuthority Authority, string Source)> LoadAsync(CancellationToken cancellationToken)
    {
        if (await ReadAsync(PluggedSecret, cancellationToken) is { } plugged)
        {
            return (Load(plugged, rootDefaultsToCaCert: false), $"Secret {systemNamespace}/{PluggedSecret} (plugged-in CA)");
        }

        var own = await ReadAsync(SelfSignedSecret, cancellationToken);
        var how = "its self-signed root";
        if (own is null)
        {
            using var created = CertificateAuthority.CreateSelfSigned(trustDomain, time, SelfSignedRootLifetime);
            try
            {
                own = await api.CreateSecretAsync(Build(created), cancellationToken);
                how = "a self-signed root created now";
            }
            catch (Exception ex) when (KubernetesApiError.Is(ex, System.Net.HttpStatusCode.Conflict))
            {
                how = "the self-signed root another control plane created first";
                own = await ReadAsync(SelfSignedSecret, cancellationToken)
                    ?? throw new InvalidDataException($"Secret {systemNamespace}/{SelfSignedSecret}: creating it conflicted with another, which is gone again");
            }
            catch (Exception ex) when (ex is k8s.Autorest.HttpOperationException or HttpRequestException)
            {
                throw new InvalidDataException($"Secret {systemNamespace}/{SelfSignedSecret}: could not be created: {KubernetesApiError.Describe(ex)}", ex);
            }
        }

        return (Load(own, rootDefaultsToCaCert: true), $"Secret {systemNamespace}/{SelfSignedSecret} ({how})");
    }

    /// <summary>
    /// istiod's layout: the root and its key in ca-cert.pem and ca-key.pem; cert-chain.pem, key.pem and root-cert.pem
    /// present and empty (istiod reads the root from ca-cert.pem), so either control plane reads the other's.
    /// </summary>
    private V1Secret Build(CertificateAuthority authority)
    {
        var (certificatePem, keyPem) = CertificateAuthorityPem.ExportSigning(authority);
        return new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = SelfSignedSecret, NamespaceProperty = systemNamespace },
            Type = SelfSignedSecretType,
            Data = new Dictionary<string, byte[]>
            {
                [CertificateAuthorityPem.CaCert] = Encoding.UTF8.GetBytes(certificatePem),
                [CertificateAuthorityPem.CaKey] = Encoding.UTF8.GetBytes(keyPem),
                [CertificateAuthorityPem.CertChain] = [],
                [PrivateKeyKey] = [],
                [CertificateAuthorityPem.RootCert] = [],
            },
        };
    }

    private CertificateAuthority Load(V1Secret secret, bool rootDefaultsToCaCert)
    {
        var name = secret.Name();
        string? Read(string key) => secret.Data is { } data && data.TryGetValue(key, out var bytes) && bytes is { Length: > 0 }
            ? Encoding.UTF8.GetString(bytes)
            : null;

        return CertificateAuthorityPem.Load(
            key => Read(key) ?? (rootDefaultsToCaCert && key == CertificateAuthorityPem.RootCert ? Read(CertificateAuthorityPem.CaCert) : null),
            key => $"Secret {systemNamespace}/{name} key {key}", "the Secret", trustDomain, time);
    }

    private async Task<V1Secret?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await api.ReadSecretAsync(systemNamespace, name, cancellationToken);
        }
        catch (Exception ex) when (ex is k8s.Autorest.HttpOperationException or HttpRequestException)
        {
            throw new InvalidDataException($"Secret {systemNamespace}/{name}: could not be read: {KubernetesApiError.Describe(ex)}", ex);
        }
    }
}
