// Verifies an outside service's certificate for DestinationRule SIMPLE/MUTUAL: its chain (caCertificates or system roots) and its names.
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security;

namespace Mesh.Proxy.Configuration;

internal static class ExternalServerVerifier
{
    /// <summary>Null when the server is acceptable, else why not.</summary>
    /// <param name="revocations">The caCrl's lists, which the verified chain is checked against; null: none.</param>
    public static string? Verify(X509Certificate2? leaf, X509Chain? chain, SslPolicyErrors errors, TrustBundle? roots, RevocationLists? revocations,
        string host, IReadOnlyCollection<string> subjectAltNames, DateTimeOffset now)
    {
        if (leaf is null)
        {
            return "no server certificate";
        }

        if (roots is null)
        {
            // The system roots: SslStream has already checked chain and host name.
            if (subjectAltNames.Count == 0)
            {
                return errors == SslPolicyErrors.None ? null : $"certificate not trusted for {host}: {errors}";
            }

            if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                return $"certificate chain not trusted: {errors}";
            }

            if (revocations is not null && (chain is null ? "no chain to check against caCrl" : revocations.Check(chain.ChainElements, now)) is { } revoked)
            {
                return revoked;
            }
        }
        else
        {
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(roots.Roots);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            custom.ChainPolicy.VerificationTime = now.UtcDateTime;
            if (chain is not null)
            {
                custom.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
            }

            if (!custom.Build(leaf))
            {
                return "certificate does not chain to caCertificates";
            }

            if (revocations?.Check(custom.ChainElements, now) is { } revoked)
            {
                return revoked;
            }

            if (subjectAltNames.Count == 0 && !leaf.MatchesHostname(host))
            {
                return $"certificate is not for {host}";
            }
        }

        if (subjectAltNames.Count > 0 && !HasAnyName(leaf, subjectAltNames))
        {
            return $"certificate carries none of the subjectAltNames [{string.Join(", ", subjectAltNames)}]";
        }

        return null;
    }

    private static bool HasAnyName(X509Certificate2 leaf, IReadOnlyCollection<string> names)
    {
        var uris = UriSubjectAlternativeNames.Read(leaf);
        foreach (var name in names)
        {
            if (uris.Contains(name) || leaf.MatchesHostname(name, allowWildcards: true, allowCommonName: false))
            {
                return true;
            }
        }

        return false;
    }
}
