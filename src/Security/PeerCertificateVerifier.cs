// Verifies a peer's certificate chain against a trust bundle and reads its SPIFFE identity, as both ends of mTLS do.
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security;

/// <summary>Chain to one of the bundle's roots (no system roots, no revocation), at the given time, then exactly one SPIFFE URI SAN.</summary>
public static class PeerCertificateVerifier
{
    /// <param name="intermediates">Certificates the peer sent beside its leaf (may be empty).</param>
    /// <param name="expected">Identities the peer may have (URIs); empty accepts any identity the bundle vouches for.</param>
    public static PeerVerification Verify(X509Certificate2 leaf, IEnumerable<X509Certificate2> intermediates, TrustBundle bundle,
        DateTimeOffset now, IReadOnlyCollection<string> expected)
    {
        if (now < leaf.NotBefore || now > leaf.NotAfter)
        {
            return PeerVerification.Refused($"certificate {leaf.SerialNumber} is not valid now: valid from {leaf.NotBefore.ToUniversalTime():u} to {leaf.NotAfter.ToUniversalTime():u}");
        }

        var chainError = BuildChain(leaf, intermediates, bundle.Roots, now);
        // Roots that share a subject name (a rotation with the same CA name) confuse issuer lookup: try each alone.
        for (var i = 0; chainError is not null && bundle.Roots.Count > 1 && i < bundle.Roots.Count; i++)
        {
            if (BuildChain(leaf, intermediates, [bundle.Roots[i]], now) is null)
            {
                chainError = null;
            }
        }

        if (chainError is not null)
        {
            return PeerVerification.Refused($"certificate {leaf.SerialNumber} does not chain to a trusted root: {chainError}");
        }

        var uris = UriSubjectAlternativeNames.Read(leaf);
        if (uris.Count != 1)
        {
            return PeerVerification.Refused($"certificate {leaf.SerialNumber} has {uris.Count} URI SANs; a workload certificate has exactly one SPIFFE id");
        }

        if (!SpiffeId.TryParse(uris[0], out var id, out var error))
        {
            return PeerVerification.Refused($"certificate {leaf.SerialNumber}: {error}");
        }

        if (expected.Count > 0 && !Contains(expected, id.Uri))
        {
            return PeerVerification.Refused($"peer identity {id.Uri} is not one of the expected identities [{string.Join(", ", expected)}]");
        }

        return new PeerVerification(id, null);
    }

    /// <summary>Null when <paramref name="leaf"/> chains to one of <paramref name="roots"/>, else the chain's complaints.</summary>
    private static string? BuildChain(X509Certificate2 leaf, IEnumerable<X509Certificate2> intermediates, X509Certificate2Collection roots, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        foreach (var intermediate in intermediates)
        {
            if (intermediate.Thumbprint != leaf.Thumbprint)
            {
                chain.ChainPolicy.ExtraStore.Add(intermediate);
            }
        }

        if (chain.Build(leaf))
        {
            return null;
        }

        var reasons = new List<string>();
        foreach (var status in chain.ChainStatus)
        {
            reasons.Add(status.StatusInformation.Trim().Length > 0 ? status.StatusInformation.Trim() : status.Status.ToString());
        }

        return string.Join("; ", reasons);
    }

    private static bool Contains(IReadOnlyCollection<string> expected, string uri)
    {
        foreach (var candidate in expected)
        {
            if (string.Equals(candidate, uri, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
