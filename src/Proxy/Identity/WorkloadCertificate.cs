// The proxy's current identity: its SVID with the key that never left the process, the chain to send, and the roots it trusts.
using System.Security.Cryptography.X509Certificates;
using System.Net.Security;
using Mesh.Security;

namespace Mesh.Proxy.Identity;

/// <summary>Immutable; a renewal builds a new one and swaps it in whole, so a handshake never sees a leaf with another's bundle.</summary>
internal sealed class WorkloadCertificate
{
    public WorkloadCertificate(SpiffeId identity, X509Certificate2 leaf, X509Certificate2Collection intermediates, TrustBundle bundle)
    {
        Identity = identity;
        Leaf = leaf;
        Intermediates = intermediates;
        Bundle = bundle;
        // Built once here: every handshake reuses it, and it carries the intermediates to send.
        Context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
    }

    public SpiffeId Identity { get; }

    public X509Certificate2 Leaf { get; }

    public X509Certificate2Collection Intermediates { get; }

    public TrustBundle Bundle { get; }

    public SslStreamCertificateContext Context { get; }

    public DateTimeOffset NotBefore => Leaf.NotBefore.ToUniversalTime();

    public DateTimeOffset NotAfter => Leaf.NotAfter.ToUniversalTime();
}
