// The set of roots a workload trusts; several at once so that a root can be rotated without an outage.
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security;

/// <summary>Immutable trust anchors; a new bundle replaces the old one as a whole.</summary>
public sealed class TrustBundle
{
    public TrustBundle(IEnumerable<X509Certificate2> roots)
    {
        var collection = new X509Certificate2Collection();
        foreach (var root in roots)
        {
            collection.Add(root);
        }

        if (collection.Count == 0)
        {
            throw new ArgumentException("A trust bundle needs at least one root.", nameof(roots));
        }

        Roots = collection;
    }

    public X509Certificate2Collection Roots { get; }

    /// <summary>
    /// The chain policy for a TLS handshake with a mesh peer: the bundle's roots alone, no revocation, no downloads.
    /// SslStream builds the peer's chain before it calls the validation callback; left to its default, it builds it
    /// against the system's trust store, which OpenSSL loads and sorts for each handshake: about half of what a new
    /// connection cost a sidecar (docs/performance.md, "What a new mTLS connection costs").
    /// </summary>
    public X509ChainPolicy ChainPolicy()
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.AddRange(Roots);
        return policy;
    }

    public static TrustBundle FromPem(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        return new TrustBundle(collection);
    }

    public string ToPem()
    {
        var writer = new System.Text.StringBuilder();
        foreach (var root in Roots)
        {
            writer.Append(root.ExportCertificatePem()).Append('\n');
        }

        return writer.ToString();
    }

    /// <summary>A bundle holding this one's roots and <paramref name="other"/>'s, without duplicates.</summary>
    public TrustBundle Merge(TrustBundle other)
    {
        var merged = new List<X509Certificate2>(Roots);
        foreach (var root in other.Roots)
        {
            if (!merged.Exists(r => r.Thumbprint == root.Thumbprint))
            {
                merged.Add(root);
            }
        }

        return new TrustBundle(merged);
    }
}
