using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// Reads Secrets as gateway TLS credentials, as Istio's credentialName does: <c>kubernetes.io/tls</c>-style keys
/// (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>) or the generic ones (<c>cert</c>, <c>key</c>, <c>cacert</c>). Only those
/// keys are kept, each bounded, so a cluster's other Secrets cost the control plane no memory beyond their metadata.
/// </summary>
internal static class SecretCredentials
{
    /// <summary>Istio's list watch leaves these out: service account tokens and Helm releases are never credentials.</summary>
    public const string FieldSelector = "type!=kubernetes.io/service-account-token,type!=helm.sh/release.v1";

    /// <summary>A certificate chain or CA bundle is a few kilobytes; anything past this is not served.</summary>
    public const int MaxValueBytes = 64 * 1024;

    private static readonly string[] CertificateKeys = ["tls.crt", "cert"];
    private static readonly string[] PrivateKeyKeys = ["tls.key", "key"];
    private static readonly string[] CaKeys = ["ca.crt", "cacert"];
    private static readonly string[] CrlKeys = ["ca.crl", "crl"];

    /// <summary>The Secret with only its name, resourceVersion and credential keys left (a value over the bound becomes empty, reported as such).</summary>
    public static V1Secret Trim(V1Secret secret)
    {
        var kept = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (secret.Data is { } data)
        {
            foreach (var key in (string[])[.. CertificateKeys, .. PrivateKeyKeys, .. CaKeys, .. CrlKeys])
            {
                if (data.TryGetValue(key, out var value)) kept[key] = value.Length > MaxValueBytes ? [] : value;
            }
        }
        return new V1Secret
        {
            ApiVersion = secret.ApiVersion,
            Kind = secret.Kind,
            Type = secret.Type,
            Metadata = new V1ObjectMeta
            {
                Name = secret.Metadata.Name,
                NamespaceProperty = secret.Metadata.NamespaceProperty,
                ResourceVersion = secret.Metadata.ResourceVersion,
                Uid = secret.Metadata.Uid,
            },
            Data = kept,
        };
    }

    /// <summary>The credential a (trimmed) Secret holds, with its CRLs; null when it has none of the credential keys.</summary>
    public static TlsCredentialModel? Read(V1Secret secret)
    {
        var credential = ReadKeys(secret);
        if (credential is not { Problem: null }) return credential;
        var data = secret.Data ?? new Dictionary<string, byte[]>();
        if (First(data, CrlKeys, out var crlKey) is not { } crl) return credential;
        var crlPem = Encoding.UTF8.GetString(crl);
        try
        {
            Mesh.Security.RevocationLists.FromPem(crlPem);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            return Bad(credential.Namespace, credential.Name, credential.ResourceVersion, $"key '{crlKey}' {e.Message}");
        }
        return credential with { CrlPem = crlPem };
    }

    private static TlsCredentialModel? ReadKeys(V1Secret secret)
    {
        var data = secret.Data ?? new Dictionary<string, byte[]>();
        var ns = secret.Metadata.NamespaceProperty ?? "";
        var name = secret.Metadata.Name;
        var version = secret.Metadata.ResourceVersion ?? "";
        var certificate = First(data, CertificateKeys, out var certificateKey);
        var key = First(data, PrivateKeyKeys, out var keyKey);
        var ca = First(data, CaKeys, out var caKey);
        if (certificate is null && key is null && ca is null) return null;
        foreach (var (value, field) in new[] { (certificate, certificateKey), (key, keyKey), (ca, caKey) })
        {
            if (value is { Length: 0 }) return Bad(ns, name, version, $"key '{field}' is empty or over {MaxValueBytes / 1024} KiB");
        }
        var caPem = ca is null ? "" : Encoding.UTF8.GetString(ca);
        if (caPem.Length > 0 && !HoldsCertificates(caPem)) return Bad(ns, name, version, $"key '{caKey}' holds no PEM certificate");
        if (certificate is null || key is null)
        {
            // A CA-only Secret (the <name>-cacert form) is a credential too; a half key pair is not.
            if (certificate is null && key is null) return new TlsCredentialModel(ns, name, version, "", "", caPem, null);
            return Bad(ns, name, version, certificate is null ? "it has a private key but no certificate (tls.crt or cert)" : "it has a certificate but no private key (tls.key or key)");
        }
        var certificatePem = Encoding.UTF8.GetString(certificate);
        var keyPem = Encoding.UTF8.GetString(key);
        try
        {
            using var leaf = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return Bad(ns, name, version, $"'{certificateKey}' and '{keyKey}' are not a PEM certificate and its private key: {e.Message}");
        }
        return new TlsCredentialModel(ns, name, version, certificatePem, keyPem, caPem, null);
    }

    private static bool HoldsCertificates(string pem)
    {
        try
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPem(pem);
            return roots.Count > 0;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static byte[]? First(IDictionary<string, byte[]> data, string[] keys, out string found)
    {
        foreach (var key in keys)
        {
            if (data.TryGetValue(key, out var value))
            {
                found = key;
                return value;
            }
        }
        found = keys[0];
        return null;
    }

    private static TlsCredentialModel Bad(string ns, string name, string version, string problem) => new(ns, name, version, "", "", "", problem);
}
