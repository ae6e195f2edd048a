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
